// Browser-test build of the renderer: the unchanged renderer behind the loopback bridge
// (test/browser/loopback-entry.ts). Never used for the app; the production bundle has no bridge.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: 'test/browser',
  base: './',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: '../../out/renderer-test',
    emptyOutDir: true,
    // hls.js (≈ 580 kB) is its own chunk, loaded only when the QC player opens.
    chunkSizeWarningLimit: 650,
    target: 'es2022',
    rollupOptions: { input: 'test/browser/index.html' },
  },
});
