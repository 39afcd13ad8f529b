import { open, rename, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Write a file so that a crash leaves either the old or the new content, never a torn one:
 * temp file in the same folder → fsync → rename → fsync the folder.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: { mode?: number } = {},
): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`); // see isLeftoverOf
  // The mode is set at creation, so a key file is never readable by others even for a moment.
  const fh = await open(tmp, 'w', opts.mode ?? 0o666);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await fsyncDir(dir);
}

export async function fsyncDir(dir: string): Promise<void> {
  // Directory fsync makes the rename durable on POSIX; Windows cannot open folders this way.
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Whether `name` is the temp file a killed `writeFileAtomic(…/target)` left behind (`.target.<12 hex>.tmp`). */
export function isLeftoverOf(name: string, target: string): boolean {
  return (
    name.length === target.length + 18 &&
    name.startsWith(`.${target}.`) &&
    /^[0-9a-f]{12}\.tmp$/.test(name.slice(target.length + 2))
  );
}

/**
 * Remove the temp files a kill -9 left in `dir` while it wrote one of `targets` atomically: the
 * station's own by name (random suffix it chose), never published, and otherwise stray in a package.
 */
export async function removeLeftovers(dir: string, targets: string[]): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!targets.some((t) => isLeftoverOf(name, t))) continue;
    await rm(join(dir, name), { force: true });
    removed++;
  }
  return removed;
}
