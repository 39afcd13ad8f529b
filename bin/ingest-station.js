#!/usr/bin/env node
// Launcher for the built CLI (npm run build writes out/cli/index.js).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../out/cli/index.js', import.meta.url));
// The AWS SDK warns on every run under Node 20 that its releases after January 2027 need Node 22.
// `ingest-station --version` and the README say it once instead; every command would repeat it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
if (!existsSync(entry)) {
  process.stderr.write('ingest-station is not built yet: run `npm run build` in the project folder first.\n');
  process.exit(1);
}
await import(entry);
