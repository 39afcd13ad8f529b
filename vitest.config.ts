import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/helpers/rgw-global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: ffmpeg, radosgw and Chromium compete with the test workers.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
