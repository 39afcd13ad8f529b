// Benchmarks (npm run bench): print ratios against a baseline measured in the same run. Not part
// of npm test — machines here are noisy, so targets live in the printed ratios, not in assertions.
import { defineConfig } from 'vitest/config';

// Room for 1 GiB × 9 + 4 GiB + small objects in radosgw's sparse OSD file (read by the global setup).
process.env.INGEST_TEST_RGW_GIB ??= '24';

export default defineConfig({
  test: {
    include: ['test/bench/**/*.bench.test.ts'],
    environment: 'node',
    testTimeout: 1_800_000,
    hookTimeout: 1_800_000,
    fileParallelism: false,
    globalSetup: ['test/helpers/rgw-global-setup.ts'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
