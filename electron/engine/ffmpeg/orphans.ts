/**
 * ffmpeg outlives a killed station. Node leaves SIGPIPE ignored in the processes it spawns, and
 * ffmpeg shrugs off the failed writes of `-progress` once the station's end of the pipe is gone:
 * measured here, after kill -9 of the CLI its encoder ran on to the end of the title at 157 % CPU —
 * slowing the rerun by half, and free to write into a run folder the rerun might use again. So
 * every long ffmpeg run leaves a record in its run folder (pid + the folder it writes into); the next
 * run of the job kills a recorded process that is still alive *and* still that command (its command
 * line names the folder — a reused pid belongs to someone else and is left alone), then drops the
 * records.
 */
import { execFile } from 'node:child_process';
import { readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { childOptions } from './child.js';

const run = promisify(execFile);
const RECORD = /^\.ffmpeg-(\d+)\.pid$/;

export interface ChildRecord {
  pid: number;
  /** A string the process's command line contains: the folder it writes into. */
  tag: string;
}

const recordPath = (dir: string, pid: number): string => join(dir, `.ffmpeg-${pid}.pid`);

export async function recordChild(dir: string, rec: ChildRecord): Promise<void> {
  // Whole or not at all: a record cut short by a kill would hide the very process it names.
  const path = recordPath(dir, rec.pid);
  await writeFile(`${path}.new`, JSON.stringify(rec));
  await rename(`${path}.new`, path);
}

export async function forgetChild(dir: string, pid: number): Promise<void> {
  await rm(recordPath(dir, pid), { force: true });
}

/** The process's command line, or undefined when it is not running (or cannot be read). */
async function commandLine(pid: number): Promise<string | undefined> {
  try {
    if (process.platform === 'linux') return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
    if (process.platform === 'win32') {
      const { stdout } = await run(
        'powershell.exe',
        [
          '-NoProfile',
          '-NonInteractive',
          '-Command',
          `(Get-CimInstance Win32_Process -Filter "ProcessId=${pid}").CommandLine`,
        ],
        { timeout: 10_000, ...childOptions() },
      );
      return stdout.trim() || undefined;
    }
    const { stdout } = await run('ps', ['-o', 'command=', '-p', String(pid)], { timeout: 10_000, ...childOptions() });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Kill what an earlier, killed run of this job left encoding under `dir` (searched recursively).
 * Returns the pids it stopped.
 */
export async function reapOrphans(dir: string): Promise<number[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const stopped: number[] = [];
  for (const e of entries) {
    if (!e.isFile() || !RECORD.test(e.name)) continue;
    const path = join(e.parentPath, e.name);
    const rec = await readFile(path, 'utf8').then(
      (t) => JSON.parse(t) as ChildRecord,
      () => undefined,
    );
    if (
      rec &&
      Number.isInteger(rec.pid) &&
      rec.pid > 1 &&
      typeof rec.tag === 'string' &&
      rec.tag.length > 0 &&
      rec.pid !== process.pid
    ) {
      const cmd = await commandLine(rec.pid);
      if (cmd?.includes(rec.tag)) {
        try {
          process.kill(rec.pid, 'SIGKILL');
        } catch {
          /* gone meanwhile */
        }
        for (let i = 0; i < 100 && alive(rec.pid) && (await commandLine(rec.pid))?.includes(rec.tag); i++)
          await new Promise((r) => setTimeout(r, 50));
        stopped.push(rec.pid);
      }
    }
    await rm(path, { force: true });
  }
  return stopped;
}
