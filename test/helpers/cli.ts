import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

export const BIN = resolve(import.meta.dirname, '../../bin/ingest-station.js');
/** The CLI's per-user cache (transcode's work folder) in a folder of this test process, not the tester's. */
export const CLI_ENV = {
  ...process.env,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  XDG_CACHE_HOME: join(tmpdir(), `ingest-cli-cache-${process.pid}`),
};

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built CLI as a user would; resolves with its exit code and output, never rejects. */
export function runCli(args: string[], cwd?: string, timeout = 300_000): Promise<CliRun> {
  return new Promise((done) =>
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: CLI_ENV, timeout, ...(cwd ? { cwd } : {}) },
      (err, stdout, stderr) => done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}
