/**
 * Trick play in a package: made by the verify stage (stages/trickplay-job.ts) once every chunk is proven and before the
 * playlists and the manifest are written, so the thumbnails are in the manifest like every other
 * file — hashed, uploaded, audited and repaired by the same code — and the master playlist
 * announces them (`#EXT-X-IMAGE-STREAM-INF`). One decode of the master through the encode's own
 * pre-split filters (the picture the rungs show), then proven: every sheet decodes at its size,
 * the thumbnails cover the film, the image playlist and the WebVTT track parse and name them all.
 * A run killed midway leaves a folder the next run makes again from scratch (nothing in it is
 * resumed from); the manifest's entries are what the uploads read.
 */
import { rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { ManifestFile } from '../../common/manifest.js';
import { VerificationError } from '../util/errors.js';
import { hashFile } from '../util/hash-file.js';
import { generateTrickplay, type TrickplayFiles } from './generate.js';
import { TRICKPLAY_DIR, type TrickplayLayout } from './layout.js';
import { verifyTrickplay } from './verify.js';

export interface PackageTrickplayOptions {
  ffmpegPath: string;
  sourcePath: string;
  videoStreamIndex: number;
  preFilters: string[];
  layout: TrickplayLayout;
  packageDir: string;
  /** Scratch (ffmpeg's working folder for the thumbnails' times). */
  workDir: string;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/** Make the package's thumbnails afresh and prove them; throws a VerificationError naming every problem. */
export async function makePackageTrickplay(o: PackageTrickplayOptions): Promise<TrickplayFiles> {
  const dir = join(o.packageDir, TRICKPLAY_DIR);
  // The station's own folder inside the station's own package (claimed at the transcode).
  await rm(dir, { recursive: true, force: true });
  const files = await generateTrickplay({
    ffmpegPath: o.ffmpegPath,
    path: o.sourcePath,
    videoStreamIndex: o.videoStreamIndex,
    preFilters: o.preFilters,
    layout: o.layout,
    dir,
    workDir: o.workDir,
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  const problems = await verifyTrickplay({
    ffmpegPath: o.ffmpegPath,
    dir,
    layout: o.layout,
    ...(files.times ? { times: files.times } : {}),
  });
  if (problems.length)
    throw new VerificationError(
      `The trick-play thumbnails failed verification: ${problems.length} problem(s) (first: ${problems[0]!.file} ${problems[0]!.problem} — ${problems[0]!.detail})`,
      problems,
    );
  return files;
}

/** The thumbnails' manifest entries: the sheets, the image playlist and the WebVTT track, hashed. */
export async function trickplayManifestFiles(packageDir: string, files: TrickplayFiles): Promise<ManifestFile[]> {
  const kinds: Array<[string, ManifestFile['kind']]> = [
    ...files.sheets.map((s): [string, ManifestFile['kind']] => [s, 'thumbnail-sheet']),
    [files.playlist, 'image-playlist'],
    [files.vtt, 'thumbnail-track'],
  ];
  const out: ManifestFile[] = [];
  for (const [name, kind] of kinds) {
    const path = posix.join(TRICKPLAY_DIR, name);
    out.push({ path, ...(await hashFile(join(packageDir, TRICKPLAY_DIR, name))), rendition: TRICKPLAY_DIR, kind });
  }
  return out;
}
