/**
 * Masters, captions and title sheets must be regular files. Opening a named pipe (FIFO) for
 * reading blocks until something writes to it — for ever, and inside one of libuv's four file
 * threads: three such "masters" once filled a farm worker's slots and froze every file operation of
 * the process, SIGTERM included. A device or a socket is no better. So every entry (CLI, drop,
 * watch folder, farm) asks `notRegularFile` (stat only: nothing is opened) before anything opens a
 * source, and what the station does open itself goes through `openRegularFile`, which cannot block
 * on a pipe (O_NONBLOCK) and refuses anything but a regular file once it holds the handle — so a
 * file swapped for a pipe after the check is refused too.
 */
import { constants, type Stats } from 'node:fs';
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { StationError } from './errors.js';

/** "a named pipe (FIFO)", "a folder", …: what a file that is not a regular file is, in words. */
export function fileKind(
  st: Pick<Stats, 'isFIFO' | 'isDirectory' | 'isCharacterDevice' | 'isBlockDevice' | 'isSocket'>,
): string {
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isDirectory()) return 'a folder';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Why `path` is not a regular file the station may open ("… is a named pipe (FIFO), not a regular
 * file"), or undefined when it is one — or when it does not exist (the caller says "gone" its way).
 */
export async function notRegularFile(path: string): Promise<string | undefined> {
  let st: Stats;
  try {
    st = await stat(path);
  } catch {
    return undefined;
  }
  return st.isFile() ? undefined : `${path} is ${fileKind(st)}, not a regular file`;
}

/** A StationError 'not-a-file' for `path`: refused before anything read from it. */
export function notAFile(problem: string): StationError {
  return new StationError(
    `Refused: ${problem}; nothing was read from it (only regular files can be masters, captions or title sheets).`,
    'not-a-file',
  );
}

// Windows has no O_NONBLOCK (and no FIFOs on the file system).
const NONBLOCK = constants.O_NONBLOCK ?? 0;

/** Open `path` read-only; a FIFO, device, socket or folder is refused (never waited on). */
export async function openRegularFile(path: string): Promise<FileHandle> {
  const fh = await open(path, constants.O_RDONLY | NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw notAFile(`${path} is ${fileKind(st)}, not a regular file`);
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** The whole of a small regular file (a caption file, a title sheet), refused if it is anything else. */
export async function readRegularFile(path: string): Promise<Buffer> {
  const fh = await openRegularFile(path);
  try {
    return await readFile(fh);
  } finally {
    await fh.close();
  }
}
