// Browser-test entry: install the loopback bridge, then start the real renderer unchanged.
import { installLoopbackStation } from './loopback-client';

await installLoopbackStation();
await import('../../renderer/src/main');
