/**
 * Making the thumbnails: a filter-graph branch (`fps=1/interval`, scale to one thumbnail, `tile`)
 * that can hang off a split of a decode the station already does — the encode's own — and write
 * JPEG sheets through an image2 output beside the rungs; or the same branch in a run of its own
 * (`generateTrickplay`: for a resumed encode, which starts mid-film, and for tests). Then the
 * announcements (writers.ts) are written beside the sheets.
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runFfmpeg } from '../ffmpeg/run-ffmpeg.js';
import { masterInput, masterInputOptions } from '../ffmpeg/input-guard.js';
import { num, readMetadataLog } from '../analysis/metadata-log.js';
import { IMAGE_PLAYLIST, THUMBNAIL_VTT, sheetName, type TrickplayLayout } from './layout.js';
import { imagePlaylist, imageStreamInf, thumbnailVtt } from './writers.js';

/**
 * The branch from `input` (a pad label) to `output`: one frame per interval (the one nearest its
 * start), tiled. With `timesFile` (a plain name in ffmpeg's working folder) every thumbnail's time
 * and mean luma are written there (signalstats YAVG, one line per thumbnail) — the evidence that the
 * thumbnails cover the film, read by `readThumbnailTimes`.
 */
export function thumbnailGraph(input: string, l: TrickplayLayout, output: string, timesFile?: string): string {
  // eof_action=pass: the fps filter's default rounds the film's end to the nearest interval and drops
  // the last thumbnail when the film ends less than half an interval after it starts (a 2 s film
  // with a 10 s interval got none; 6.9 s every 2 s got 3 of 4).
  const evidence = timesFile ? `signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=${timesFile},` : '';
  return (
    `${input}fps=fps=1/${l.intervalSec}:round=near:eof_action=pass,scale=${l.tileWidth}:${l.tileHeight}:flags=bicubic,setsar=1,` +
    `${evidence}format=yuvj420p,tile=${l.columns}x${l.rows}[${output}]`
  );
}

/** The thumbnails' times (seconds) and mean luma from a `timesFile`. */
export async function readThumbnailTimes(path: string): Promise<Array<{ time: number; luma: number }>> {
  const out: Array<{ time: number; luma: number }> = [];
  await readMetadataLog(path, (f) => out.push({ time: f.time, luma: num(f, 'lavfi.signalstats.YAVG') }));
  return out;
}

/** The output that writes the branch's sheets into `dir` as sheet-00001.jpg… (an extra output of the same ffmpeg). */
export function thumbnailOutputArgs(label: string, dir: string): string[] {
  // image2 reads % in the folder's name as a pattern too.
  const pattern = join(dir.replace(/%/g, '%%'), 'sheet-%05d.jpg');
  return ['-map', `[${label}]`, '-c:v', 'mjpeg', '-q:v', '4', '-f', 'image2', '-start_number', '1', pattern];
}

export interface TrickplayFiles {
  /** Names inside the trick-play folder: the sheets, the image playlist, the WebVTT track. */
  sheets: string[];
  playlist: string;
  vtt: string;
  /** The master playlist's `#EXT-X-IMAGE-STREAM-INF` line (measured from the sheets). */
  streamInf: string;
  /** Each thumbnail's time in the film and mean luma, as the run measured them (absent when not recorded). */
  times?: Array<{ time: number; luma: number }>;
}

/** Writes the image playlist and the WebVTT track beside sheets already made; returns what is there. */
export async function writeTrickplayAnnouncements(dir: string, l: TrickplayLayout): Promise<TrickplayFiles> {
  const sheets = Array.from({ length: l.sheets }, (_, n) => sheetName(n));
  const bytes = await Promise.all(sheets.map(async (s) => (await stat(join(dir, s))).size));
  await writeFile(join(dir, IMAGE_PLAYLIST), imagePlaylist(l));
  await writeFile(join(dir, THUMBNAIL_VTT), thumbnailVtt(l));
  return { sheets, playlist: IMAGE_PLAYLIST, vtt: THUMBNAIL_VTT, streamInf: imageStreamInf(l, bytes) };
}

export interface TrickplayRunOptions {
  ffmpegPath: string;
  /** The master (absolute local path). */
  path: string;
  videoStreamIndex: number;
  /** The picture filters the encode applies before its split (crop, deinterlace…): thumbnails show what viewers see. */
  preFilters: string[];
  layout: TrickplayLayout;
  /** The trick-play folder (created). */
  dir: string;
  /** Scratch folder (ffmpeg's working folder; the thumbnails' times are written there, then removed). */
  workDir: string;
  signal?: AbortSignal;
  stallTimeoutMs?: number;
  onProgress?: (fraction: number) => void;
}

/** The standalone run: one decode of the master into the sheets, then the announcements. */
export async function generateTrickplay(o: TrickplayRunOptions): Promise<TrickplayFiles> {
  await mkdir(o.dir, { recursive: true });
  await mkdir(o.workDir, { recursive: true });
  const timesFile = 'thumbnail-times.txt';
  const input = `[0:${o.videoStreamIndex}]`;
  const graph = o.preFilters.length
    ? `${input}${o.preFilters.join(',')}[pre];${thumbnailGraph('[pre]', o.layout, 'thumbs', timesFile)}`
    : thumbnailGraph(input, o.layout, 'thumbs', timesFile);
  const out = thumbnailOutputArgs('thumbs', o.dir);
  await runFfmpeg({
    ffmpegPath: o.ffmpegPath,
    input: masterInput(o.path),
    inputOptions: masterInputOptions(),
    outputOptions: ['-filter_complex', graph, ...out.slice(0, -1)],
    output: out.at(-1)!,
    cwd: o.workDir,
    what: `making trick-play thumbnails of ${o.path}`,
    ...(o.stallTimeoutMs ? { stallTimeoutMs: o.stallTimeoutMs } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    onProgress: (p) => o.onProgress?.(Math.min(1, p.outTimeSec / o.layout.durationSec)),
  });
  const times = await readThumbnailTimes(join(o.workDir, timesFile));
  await rm(join(o.workDir, timesFile), { force: true });
  return { ...(await writeTrickplayAnnouncements(o.dir, o.layout)), times };
}
