/**
 * One process per queue journal. Two CLIs (or a CLI and the desktop) on one work folder both ran
 * the same job, and the second compacted the journal under the first, erasing its "done". The
 * station that opens a queue journal takes a lock file beside it — its pid, host, start time and
 * command — created exclusively; another process finds it and stops with a sentence naming who
 * holds it. A lock whose process is gone (same host, pid no longer running: a crash, a kill -9) is
 * taken over, and that is said. A lock held from another host cannot be checked from here: the
 * sentence says which file to remove if that station is gone.
 */
import { hostname } from 'node:os';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { StationError } from './errors.js';

interface LockInfo {
  pid: number;
  host: string;
  since: string;
  command?: string;
}

export interface HeldLock {
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is someone else's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(path: string): Promise<LockInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(path, 'utf8')) as LockInfo;
    return typeof info.pid === 'number' && typeof info.host === 'string' ? info : undefined;
  } catch {
    return undefined;
  }
}

const describe = (l: LockInfo): string =>
  `pid ${l.pid}${l.host === hostname() ? '' : ` on ${l.host}`} since ${l.since}${l.command ? ` (${l.command})` : ''}`;

/**
 * Take the lock at `path` for `what` ("work folder /srv/ingest-work"). Refuses with a StationError
 * ('work-folder-in-use') when another live process holds it; takes over one whose process is gone,
 * telling `warn`. The same process may take it again (a station it opened and abandoned).
 */
export async function acquireLock(path: string, what: string, warn: (s: string) => void): Promise<HeldLock> {
  const me: LockInfo = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    command: process.argv.slice(1, 3).join(' ').slice(0, 200),
  };
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fh = await open(path, 'wx', 0o644);
      try {
        await fh.writeFile(JSON.stringify(me) + '\n');
        await fh.sync();
      } finally {
        await fh.close();
      }
      return { release: () => releaseLock(path, me) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    // Unreadable: perhaps another process is writing it this instant; look once more before calling it stale.
    const held = (await readLock(path)) ?? (await new Promise((r) => setTimeout(r, 200)).then(() => readLock(path)));
    if (held && held.pid !== process.pid) {
      if (held.host !== hostname())
        throw new StationError(
          `The ${what} is in use by ${describe(held)}. If no station runs there any more, remove ${path} and start again.`,
          'work-folder-in-use',
        );
      if (alive(held.pid))
        throw new StationError(
          `The ${what} is in use by ${describe(held)}: wait for it to finish, or stop it first.`,
          'work-folder-in-use',
        );
    }
    await takeOver(path, held);
    if (held && held.pid !== process.pid)
      warn(`the ${what} was locked by ${describe(held)}, which is no longer running: its lock was taken over`);
  }
  throw new StationError(`The ${what} could not be locked: ${path} keeps changing`, 'work-folder-in-use');
}

/** Move a stale (or unreadable) lock aside — atomically, so two takers cannot both win — then drop it. */
async function takeOver(path: string, seen: LockInfo | undefined): Promise<void> {
  const aside = `${path}.stale-${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = await readLock(aside);
  // Another process took it over between our read and our move: its lock goes back.
  if (moved && seen && (moved.pid !== seen.pid || moved.since !== seen.since)) {
    await rename(aside, path);
    return;
  }
  await rm(aside, { force: true });
}

async function releaseLock(path: string, me: LockInfo): Promise<void> {
  const held = await readLock(path);
  if (held?.pid === me.pid && held.since === me.since) await rm(path, { force: true });
}
