/**
 * A package folder the station may write into: one that did not exist, was empty, or that the
 * station made before — it carries a marker file naming the job writing into it and, once a package
 * is finished, every file of that package. The station never deletes a file it did not write and
 * never uses a folder that holds the source master: `transcode film.mov --out .` is refused instead
 * of emptying the current folder. Chunks are written in place as they are encoded (they stream to
 * verify and the uploads from there); a folder holding the station's finished package is reused by
 * removing exactly that package's files; a foreign file in it stops the job with a sentence.
 */
import { mkdir, readFile, readdir, realpath, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MANIFEST_FILE, PACKAGE_MARKER } from '../../common/manifest.js';
import { removeLeftovers, writeFileAtomic } from './atomic-write.js';
import { StationError } from './errors.js';
import { assertInside, isWithin } from './contained-path.js';
import { listFiles } from './list-files.js';

interface Marker {
  createdBy: 'ingest-station';
  /** The job writing into the folder now (its files are the station's even before they are listed). */
  job?: string;
  /** Package-relative paths of every file of the finished package (forward slashes). */
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

async function writeMarker(dir: string, marker: Omit<Marker, 'createdBy'>): Promise<void> {
  const m: Marker = {
    createdBy: 'ingest-station',
    ...(marker.job ? { job: marker.job } : {}),
    files: [...marker.files].sort(),
  };
  await writeFileAtomic(join(dir, PACKAGE_MARKER), JSON.stringify(m, null, 2) + '\n');
}

const refuse = (message: string): StationError => new StationError(message, 'output-not-ours');

async function removeEmptyFolders(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const sub = join(dir, e.name);
    await removeEmptyFolders(sub);
    if ((await readdir(sub)).length === 0) await rmdir(sub).catch(() => undefined);
  }
}

/**
 * Make `dir` the package folder of job `jobId`. The same job again (a resume) finds it as it left
 * it; another job may take it only when it is empty or holds nothing but the station's finished
 * package, whose files are then removed.
 */
export async function claimOutputDir(dir: string, sourcePath: string, jobId: string): Promise<void> {
  const realSource = await realpath(sourcePath).catch(() => sourcePath);
  const realDir = await realpath(dir).catch(() => undefined);
  if (realDir && isWithin(realDir, dirname(realSource))) {
    throw refuse(
      `Refused to write the package into ${dir}: it holds the source master ${sourcePath}. Choose an empty folder of its own.`,
    );
  }
  let st;
  try {
    st = await stat(dir);
  } catch {
    await mkdir(dir, { recursive: true });
    await writeMarker(dir, { job: jobId, files: [] });
    return;
  }
  if (!st.isDirectory()) throw refuse(`Refused: ${dir} is a file, not a folder for the package.`);
  // A kill while the marker was being written leaves its temp file: the station's, not a foreign file.
  await removeLeftovers(dir, [PACKAGE_MARKER]);
  const marker = await readMarker(dir);
  if (!marker) {
    const present = (await readdir(dir)).filter((n) => n !== PACKAGE_MARKER);
    if (present.length > 0) {
      throw refuse(
        `Refused to write the package into ${dir}: the folder is not empty (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', …' : ''}) and Ingest Station did not make it. Choose an empty folder; nothing was deleted.`,
      );
    }
    await writeMarker(dir, { job: jobId, files: [] });
    return;
  }
  if (marker.job === jobId) return;
  // The manifest is written by verify after the package lands: it is the station's too.
  const ours = new Set([...marker.files, ...(marker.files.length ? [MANIFEST_FILE] : [])]);
  const foreign = (await listFiles(dir)).filter((f) => f !== PACKAGE_MARKER && !ours.has(f));
  if (foreign.length > 0) {
    const why = marker.job ? `an unfinished package of another job (${marker.job}) or files` : 'files';
    throw refuse(
      `Refused to replace the package in ${dir}: it also holds ${why} Ingest Station cannot account for (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}). Move those away or choose another folder; nothing was deleted.`,
    );
  }
  for (const f of ours) {
    const path = join(dir, ...f.split('/'));
    await assertInside(dir, path, `the package folder ${dir}`);
    await rm(path, { force: true });
  }
  await removeEmptyFolders(dir);
  await writeMarker(dir, { job: jobId, files: [] });
}

/** The package is finished: the marker lists its files (the only ones a later job may remove). */
export async function finishOutputDir(dir: string, files: string[]): Promise<void> {
  await removeLeftovers(dir, [PACKAGE_MARKER, MANIFEST_FILE]);
  await writeMarker(dir, { files });
}

/** A cancelled job's package folder: remove the files it wrote (listed by the caller), and the folder if nothing else is left. */
export async function discardOutput(dir: string, files: string[]): Promise<void> {
  for (const f of files) {
    const path = join(dir, ...f.split('/'));
    await assertInside(dir, path, `the package folder ${dir}`).then(
      () => rm(path, { force: true }),
      () => undefined,
    );
  }
  await removeEmptyFolders(dir).catch(() => undefined);
  const left = await readdir(dir).catch(() => ['?']);
  if (left.length === 1 && left[0] === PACKAGE_MARKER) {
    await rm(join(dir, PACKAGE_MARKER), { force: true });
    await rmdir(dir).catch(() => undefined);
  }
}
