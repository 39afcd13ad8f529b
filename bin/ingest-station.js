#!/usr/bin/env node
// Launcher for the built CLI (npm run build writes out/cli/index.js).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../out/cli/index.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write('ingest-station is not built yet: run `npm run build` in the project folder first.\n');
  process.exit(1);
}
await import(entry);
