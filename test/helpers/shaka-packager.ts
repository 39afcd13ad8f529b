/**
 * shaka-packager (npm `shaka-packager`, static binaries inside the package) as the reference the
 * station's CENC encryptor is checked against, and the peer of the encryption benchmark. Its npm
 * wrapper exits 0 even when the packager fails, so the binary is spawned and its exit code read.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '../..');

const run = promisify(execFile);

export function shakaPackagerPath(): string {
  const name =
    process.platform === 'win32'
      ? 'packager-win-x64.exe'
      : `packager-${process.platform === 'darwin' ? 'osx' : 'linux'}-${process.arch === 'arm64' ? 'arm64' : 'x64'}`;
  return join(ROOT, 'node_modules', 'shaka-packager', 'bin', name);
}

export async function shakaPackager(args: string[], cwd?: string): Promise<string> {
  const { stdout, stderr } = await run(shakaPackagerPath(), args, { timeout: 600_000, ...(cwd ? { cwd } : {}) });
  const said = `${stdout}\n${stderr}`;
  if (!/Packaging completed successfully/.test(said)) throw new Error(`shaka-packager failed: ${said.slice(-2000)}`);
  return said;
}
