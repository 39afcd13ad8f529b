import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { childOptions } from './child.js';

const run = promisify(execFile);

/** "ffprobe version 5.1.9-0+deb12u1 Copyright…" → "5.1.9-0+deb12u1"; "unknown" when it will not say. */
export async function toolVersion(binary: string): Promise<string> {
  try {
    const { stdout } = await run(binary, ['-version'], { timeout: 10_000, ...childOptions() });
    return /version (\S+)/.exec(stdout)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
