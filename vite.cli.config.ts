// Builds the headless CLI (electron/cli) for plain Node into out/cli. Dependencies stay external.
import { defineConfig } from 'vite';
import { builtinModules } from 'node:module';
import pkg from './package.json' with { type: 'json' };

const external = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), ...Object.keys(pkg.dependencies)].map(
  (m) => new RegExp(`^${m}(/.*)?$`),
);

export default defineConfig({
  build: {
    ssr: 'electron/cli/index.ts',
    outDir: 'out/cli',
    emptyOutDir: true,
    target: 'node20',
    sourcemap: true,
    rollupOptions: { external, output: { format: 'es', entryFileNames: 'index.js' } },
  },
});
