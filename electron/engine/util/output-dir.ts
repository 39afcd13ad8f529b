/**
 * A package folder the station may write into and later replace: one that did not exist, was
 * empty, or that the station made before — it carries a marker file listing every file the station
 * wrote there. The station never deletes a file it did not write and never uses a folder that holds
 * the source master: `transcode film.mov --out .` is refused instead of emptying the current folder.
 * Work in progress goes to `<dir>/.partial` and moves into place only when it is complete.
 */
import { mkdir, readFile, readdir, realpath, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { listFiles } from './list-files.js';
import { MANIFEST_FILE, PACKAGE_MARKER } from '../../common/manifest.js';
import { writeFileAtomic } from './atomic-write.js';
import { StationError } from './errors.js';
import { assertInside, isWithin } from './contained-path.js';

const PARTIAL = '.partial';

interface Marker {
  createdBy: 'ingest-station';
  /** Package-relative paths of every file the station wrote (forward slashes). */
  files: string[];
}

async function readMarker(dir: string): Promise<Marker | undefined> {
  try {
    const m = JSON.parse(await readFile(join(dir, PACKAGE_MARKER), 'utf8')) as Marker;
    return m && m.createdBy === 'ingest-station' && Array.isArray(m.files) ? m : undefined;
  } catch {
    return undefined;
  }
}


const refuse = (message: string): StationError => new StationError(message, 'output-not-ours');

/**
 * Make `dir` ready for a new package and return the folder to write it into (`<dir>/.partial`).
 * A previous package of the station's in `dir` stays until the new one is complete (then it is
 * removed file by file: only the files its marker lists); anything else in the folder stops the
 * transcode with a sentence naming it.
 */
export async function prepareOutputDir(dir: string, sourcePath: string): Promise<string> {
  const realSource = await realpath(sourcePath).catch(() => sourcePath);
  const realDir = await realpath(dir).catch(() => undefined);
  if (realDir && isWithin(realDir, dirname(realSource))) {
    throw refuse(`Refused to write the package into ${dir}: it holds the source master ${sourcePath}. Choose an empty folder of its own.`);
  }
  let st;
  try {
    st = await stat(dir);
  } catch {
    await mkdir(dir, { recursive: true });
    await writeMarker(dir, []);
    return freshPartial(dir);
  }
  if (!st.isDirectory()) throw refuse(`Refused: ${dir} is a file, not a folder for the package.`);
  const marker = await readMarker(dir);
  const present = (await readdir(dir)).filter((n) => n !== PACKAGE_MARKER && n !== PARTIAL);
  if (!marker) {
    if (present.length > 0) {
      throw refuse(`Refused to write the package into ${dir}: the folder is not empty (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', …' : ''}) and Ingest Station did not make it. Choose an empty folder; nothing was deleted.`);
    }
    await writeMarker(dir, []);
    return freshPartial(dir);
  }
  // The manifest is written by verify after the package lands: it is the station's too.
  const ours = new Set([...marker.files, MANIFEST_FILE]);
  const foreign = (await listFiles(dir)).filter((f) => f !== PACKAGE_MARKER && !f.startsWith(`${PARTIAL}/`) && !ours.has(f));
  if (foreign.length > 0) {
    throw refuse(`Refused to replace the package in ${dir}: it also holds ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}, which Ingest Station did not write. Move those away or choose another folder; nothing was deleted.`);
  }
  return freshPartial(dir);
}

async function freshPartial(dir: string): Promise<string> {
  const partial = join(dir, PARTIAL);
  // .partial is the station's own scratch inside a folder it owns (marker written first).
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  return partial;
}

async function writeMarker(dir: string, files: string[]): Promise<void> {
  const marker: Marker = { createdBy: 'ingest-station', files: files.sort() };
  await writeFileAtomic(join(dir, PACKAGE_MARKER), JSON.stringify(marker, null, 2) + '\n');
}

async function removeEmptyFolders(dir: string, top = dir): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || (dir === top && e.name === PARTIAL)) continue;
    const sub = join(dir, e.name);
    await removeEmptyFolders(sub, top);
    if ((await readdir(sub)).length === 0) await rmdir(sub).catch(() => undefined);
  }
}

/**
 * Move a finished package from `<dir>/.partial` into `dir`, replacing the station's previous one,
 * and record its files in the marker. The marker lists old and new files while both may be there,
 * so a crash mid-way leaves nothing unaccounted for.
 */
export async function commitOutputDir(dir: string): Promise<void> {
  const partial = join(dir, PARTIAL);
  const files = await listFiles(partial);
  const listed = (await readMarker(dir))?.files ?? [];
  const old = listed.length > 0 ? [...listed, MANIFEST_FILE] : [];
  await writeMarker(dir, [...new Set([...old, ...files])]);
  for (const f of old) {
    const path = join(dir, ...f.split('/'));
    await assertInside(dir, path, `the package folder ${dir}`);
    await rm(path, { force: true });
  }
  await removeEmptyFolders(dir);
  for (const name of await readdir(partial)) await rename(join(partial, name), join(dir, name));
  await rm(partial, { recursive: true, force: true });
  await writeMarker(dir, files);
}

/**
 * Throw away an unfinished package (only the station's scratch folder); a folder the station made
 * for it that holds nothing else goes too.
 */
export async function discardPartial(dir: string): Promise<void> {
  await rm(join(dir, PARTIAL), { recursive: true, force: true });
  const marker = await readMarker(dir);
  const left = await readdir(dir).catch(() => ['?']);
  if (marker && marker.files.length === 0 && left.length === 1 && left[0] === PACKAGE_MARKER) {
    await rm(join(dir, PACKAGE_MARKER), { force: true });
    await rmdir(dir).catch(() => undefined);
  }
}
