import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    environment: 'node',
    globalSetup: ['test/helpers/rgw-global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: ffmpeg, radosgw and Chromium compete with the test workers.
    maxWorkers: 2,
    reporters: ['default'],
    // The SDK warns that releases after January 2027 need Node 22; Electron 45 already ships Node 22.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
