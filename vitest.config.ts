import { defineConfig } from 'vitest/config';

// Three projects (`npm test -- --project unit` runs the first alone): unit needs nothing but Node
// and ffmpeg; integration and browser share one radosgw started by the global setup (refcounted,
// so a run of both starts it once), and browser adds Debian's Chromium.
const rgw = ['test/helpers/rgw-global-setup.ts'];

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: ffmpeg, radosgw and Chromium compete with the test workers.
    maxWorkers: 2,
    reporters: ['default'],
    // The SDK warns that releases after January 2027 need Node 22; Electron 45 already ships Node 22.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'], globalSetup: rgw } },
      { extends: true, test: { name: 'browser', include: ['test/browser/**/*.test.ts'], globalSetup: rgw } },
    ],
  },
});
