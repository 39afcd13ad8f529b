/**
 * Folders the station makes for itself and may later remove whole: a job's folder under
 * `<workDir>/jobs/`, its encode scratch, one ffmpeg run's folder. A recursive removal is the one
 * operation that can destroy what is not ours — a job id of `..` once removed the whole shared work
 * folder, `../../victim2` a folder beside it — so every `rm -r` of the engine goes through
 * `removeOwned`, which proves three things first:
 *  - the folder is named by one safe path segment (common/segment.ts) inside its parent;
 *  - once symbolic links are resolved it is still a real folder directly inside that parent (a
 *    link planted in its place, or a parent that resolves elsewhere, is refused);
 *  - it carries the station's marker, written by `makeOwnedDir` when the station made it (a
 *    folder inside a package folder counts through the package's own marker, see output-dir.ts).
 * Anything else is refused with a sentence and nothing is removed.
 */
import { lstat, mkdir, readFile, realpath, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PACKAGE_MARKER } from '../../common/manifest.js';
import { segmentProblem } from '../../common/segment.js';
import { writeFileAtomic } from './atomic-write.js';
import { StationError } from './errors.js';

/** The marker in every folder the station made for itself. */
export const OWNED_MARKER = '.ingest-station-owned';
const STATION = 'ingest-station';

/** `parent/name` after checking that `name` is one safe segment; `what` names it in the refusal. */
export function childPath(parent: string, name: string, what: string): string {
  const problem = segmentProblem(name);
  if (problem)
    throw new StationError(
      `Refused: ${what} "${String(name).slice(0, 80)}" cannot name a folder (${problem}).`,
      'unsafe-name',
    );
  return join(parent, name);
}

async function markedByStation(dir: string, marker: string): Promise<boolean> {
  try {
    const st = await lstat(join(dir, marker));
    if (!st.isFile()) return false;
    const m = JSON.parse(await readFile(join(dir, marker), 'utf8')) as { createdBy?: unknown };
    return m?.createdBy === STATION;
  } catch {
    return false;
  }
}

/** Make `parent/name` (and its parents) as a folder of the station's, marked so it may be removed later. */
export async function makeOwnedDir(parent: string, name: string, what: string): Promise<string> {
  const dir = childPath(parent, name, what);
  await mkdir(dir, { recursive: true });
  if (!(await markedByStation(dir, OWNED_MARKER)))
    await writeFileAtomic(join(dir, OWNED_MARKER), JSON.stringify({ createdBy: STATION, for: what }) + '\n');
  return dir;
}

const refuse = (target: string, why: string): StationError =>
  new StationError(`Refused to remove ${target}: ${why}. Nothing was deleted.`, 'not-ours');

/**
 * Remove `parent/name` with everything in it, once it is proven the station's (see above).
 * `markedBy: 'parent'`: the folder lies in a package folder and the package's marker is the proof.
 * Resolves false when there was nothing to remove.
 */
export async function removeOwned(
  parent: string,
  name: string,
  what: string,
  opts: { markedBy?: 'self' | 'parent' } = {},
): Promise<boolean> {
  const target = childPath(parent, name, what);
  let st;
  try {
    st = await lstat(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  if (st.isSymbolicLink()) throw refuse(target, 'it is a symbolic link, not a folder the station made');
  if (!st.isDirectory()) throw refuse(target, 'it is not a folder');
  const realParent = await realpath(parent);
  const real = await realpath(target);
  if (dirname(real) !== realParent) throw refuse(target, `it resolves to ${real}, which is not inside ${realParent}`);
  const proof =
    opts.markedBy === 'parent'
      ? (await markedByStation(realParent, PACKAGE_MARKER)) || (await markedByStation(realParent, OWNED_MARKER))
      : await markedByStation(real, OWNED_MARKER);
  if (!proof)
    throw refuse(
      target,
      `it carries no Ingest Station marker (${opts.markedBy === 'parent' ? `in ${realParent}` : OWNED_MARKER}), so the station cannot prove it made it`,
    );
  await rm(real, { recursive: true, force: true });
  return true;
}
