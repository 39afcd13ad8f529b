/**
 * Trick play proven like every other file of a package: every sheet the layout names is there and
 * nothing else, each decodes (ffmpeg, errors on stderr count) at the size the layout says, the
 * thumbnails cover the whole film (count × interval reaches the end, one interval fewer would not),
 * the image playlist names every sheet once with EXTINFs that add up to the film, and the WebVTT
 * track parses (media-captions, via captions/cues.ts) into one cue per thumbnail, end to end, each
 * pointing inside its sheet. Problems use the package's codes (common/manifest.ts), so verify can
 * list them with the rest.
 */
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import type { PackageProblem } from '../../common/manifest.js';
import { childOptions } from '../ffmpeg/child.js';
import { parseCaptions } from '../captions/cues.js';
import { IMAGE_PLAYLIST, THUMBNAIL_VTT, TRICKPLAY_DIR, sheetName, thumbnails, type TrickplayLayout } from './layout.js';

const run = promisify(execFile);

/** A JPEG's size from its first start-of-frame marker (no process for what the header says). */
export function jpegSize(b: Uint8Array): { width: number; height: number } | undefined {
  if (b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1]!;
    const len = (b[i + 2]! << 8) | b[i + 3]!;
    // SOF0…SOF15 but DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker))
      return { height: (b[i + 5]! << 8) | b[i + 6]!, width: (b[i + 7]! << 8) | b[i + 8]! };
    i += 2 + len;
  }
  return undefined;
}

async function decodes(ffmpegPath: string, file: string): Promise<string | undefined> {
  try {
    const { stderr } = await run(
      ffmpegPath,
      ['-hide_banner', '-nostdin', '-v', 'error', '-i', file, '-f', 'null', '-'],
      {
        timeout: 30_000,
        ...childOptions(),
      },
    );
    return stderr.trim() || undefined;
  } catch (err) {
    return (
      ((err as { stderr?: string }).stderr ?? String(err)).trim().split('\n').at(-1) || 'ffmpeg could not decode it'
    );
  }
}

async function checkSheets(ffmpegPath: string, dir: string, l: TrickplayLayout): Promise<PackageProblem[]> {
  const problems: PackageProblem[] = [];
  const at = (f: string) => posix.join(TRICKPLAY_DIR, f);
  const present = new Set(await readdir(dir).catch(() => [] as string[]));
  const expected = Array.from({ length: l.sheets }, (_, n) => sheetName(n));
  for (const f of present)
    if (f.endsWith('.jpg') && !expected.includes(f))
      problems.push({ file: at(f), problem: 'stray', detail: `no thumbnail of the film's ${l.count} lives in ${f}` });
  for (const f of expected) {
    if (!present.has(f)) {
      problems.push({ file: at(f), problem: 'missing', detail: 'a thumbnail sheet the layout names is not there' });
      continue;
    }
    const bytes = await readFile(join(dir, f));
    const size = jpegSize(bytes);
    const want = { width: l.columns * l.tileWidth, height: l.rows * l.tileHeight };
    if (!size || size.width !== want.width || size.height !== want.height)
      problems.push({
        file: at(f),
        problem: 'size-mismatch',
        detail: `${size ? `${size.width}×${size.height}` : 'no JPEG frame header'}, not the ${want.width}×${want.height} sheet of ${l.columns}×${l.rows} thumbnails`,
      });
    const error = await decodes(ffmpegPath, join(dir, f));
    if (error) problems.push({ file: at(f), problem: 'undecodable', detail: error });
  }
  return problems;
}

function checkPlaylist(text: string, l: TrickplayLayout): string | undefined {
  const lines = text.split(/\r?\n/).map((x) => x.trim());
  if (lines[0] !== '#EXTM3U' || !lines.includes('#EXT-X-IMAGES-ONLY') || !lines.includes('#EXT-X-ENDLIST'))
    return 'not an image media playlist (#EXTM3U, #EXT-X-IMAGES-ONLY, #EXT-X-ENDLIST)';
  const extinf = lines.filter((x) => x.startsWith('#EXTINF:')).map((x) => parseFloat(x.slice(8)));
  const tiles = lines.filter((x) => x.startsWith('#EXT-X-TILES:'));
  const uris = lines.filter((x) => x && !x.startsWith('#'));
  const names = Array.from({ length: l.sheets }, (_, n) => sheetName(n));
  if (uris.join() !== names.join())
    return `names ${uris.length} sheets (${uris.slice(0, 3).join(', ')}…), not the ${l.sheets} made`;
  if (tiles.length !== l.sheets) return `${tiles.length} #EXT-X-TILES for ${l.sheets} sheets`;
  const total = extinf.reduce((a, b) => a + b, 0);
  if (Math.abs(total - l.durationSec) > 0.01)
    return `its EXTINFs add up to ${total.toFixed(3)} s, the film is ${l.durationSec.toFixed(3)} s`;
  return undefined;
}

async function checkVtt(text: string, l: TrickplayLayout): Promise<string | undefined> {
  const read = await parseCaptions(text, 'vtt', l.durationSec, THUMBNAIL_VTT);
  if (read.problems.length) return read.problems.map((p) => p.message).join('; ');
  const want = thumbnails(l);
  if (read.cues.length !== want.length) return `${read.cues.length} cues for ${want.length} thumbnails`;
  for (const [i, c] of read.cues.entries()) {
    const t = want[i]!;
    const xywh = `${sheetName(t.sheet)}#xywh=${t.x},${t.y},${l.tileWidth},${l.tileHeight}`;
    if (Math.abs(c.start - t.start) > 0.002 || Math.abs(c.end - t.end) > 0.002 || c.text !== xywh)
      return `cue ${i + 1} is "${c.text}" at ${c.start}–${c.end} s, not ${xywh} at ${t.start}–${t.end} s`;
  }
  return undefined;
}

/**
 * Coverage from what was made: one thumbnail per interval, the k-th within the interval it stands
 * for, and count × interval reaching the film's end while one fewer would not.
 */
export function checkTimes(times: Array<{ time: number }>, l: TrickplayLayout): string | undefined {
  if (times.length * l.intervalSec < l.durationSec - 1e-6)
    return `${times.length} thumbnails every ${l.intervalSec} s cover ${times.length * l.intervalSec} s of the film's ${l.durationSec.toFixed(3)} s`;
  if (times.length !== l.count)
    return `${times.length} thumbnails were made for the ${l.count} the film's length needs`;
  const off = times.findIndex((t, k) => !(t.time >= k * l.intervalSec - 0.5 && t.time < (k + 1) * l.intervalSec));
  if (off >= 0)
    return `thumbnail ${off + 1} shows ${times[off]!.time.toFixed(3)} s, outside its interval from ${off * l.intervalSec} s`;
  return undefined;
}

/** Every problem of the trick-play folder `dir` of a package (empty: proven). */
export async function verifyTrickplay(o: {
  ffmpegPath: string;
  dir: string;
  layout: TrickplayLayout;
  /** The thumbnails' times as the run recorded them (generate.ts): proves they cover the film. */
  times?: Array<{ time: number }>;
}): Promise<PackageProblem[]> {
  const l = o.layout;
  const problems = await checkSheets(o.ffmpegPath, o.dir, l);
  const coverage = o.times ? checkTimes(o.times, l) : undefined;
  if (coverage) problems.push({ file: TRICKPLAY_DIR, problem: 'duration-mismatch', detail: coverage });
  const read = (f: string) => readFile(join(o.dir, f), 'utf8').catch(() => undefined);
  const playlist = await read(IMAGE_PLAYLIST);
  const pProblem = playlist === undefined ? 'missing' : checkPlaylist(playlist, l);
  if (pProblem)
    problems.push({
      file: posix.join(TRICKPLAY_DIR, IMAGE_PLAYLIST),
      problem: playlist === undefined ? 'missing' : 'unparsable',
      detail: pProblem,
    });
  const vtt = await read(THUMBNAIL_VTT);
  const vProblem = vtt === undefined ? 'missing' : await checkVtt(vtt, l);
  if (vProblem)
    problems.push({
      file: posix.join(TRICKPLAY_DIR, THUMBNAIL_VTT),
      problem: vtt === undefined ? 'missing' : 'unparsable',
      detail: vProblem,
    });
  return problems;
}
