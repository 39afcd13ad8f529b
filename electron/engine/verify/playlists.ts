/**
 * Structural checks of an HLS package, from its playlists (parsed with hls-parser): every playlist
 * parses; the master's variants exist; every referenced segment and init segment exists, is
 * non-empty and stays inside the package; no stray files; EXTINF ≤ TARGETDURATION (rounded, per
 * playlist); media sequence contiguous; each rendition's summed duration matches the source's
 * within one segment. Returns the renditions (for the decode check) and every problem found.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import HLS from 'hls-parser';
import { listFiles } from '../util/list-files.js';
import { THUMBNAIL_VTT } from '../trickplay/layout.js';
import { imageStreamUris } from '../trickplay/writers.js';
import {
  DASH_MANIFEST,
  MANIFEST_FILE,
  MASTER_PLAYLIST,
  PACKAGE_MARKER,
  type ManifestFile,
  type PackageProblem,
} from '../../common/manifest.js';

export interface SegmentRef {
  path: string;
  durationSec: number;
  size: number;
}

export interface Rendition {
  name: string;
  playlist: string;
  kind: 'video' | 'audio' | 'subtitles';
  init?: string;
  targetDuration: number;
  segments: SegmentRef[];
}

export interface PackageEntry {
  path: string;
  kind: ManifestFile['kind'];
  rendition?: string;
  durationSec?: number;
}

export interface PackageStructure {
  entries: PackageEntry[];
  renditions: Rendition[];
  problems: PackageProblem[];
}

/** Resolve a playlist URI relative to the playlist that names it; undefined when it escapes. */
export function resolveUri(fromPlaylist: string, uri: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('/')) return undefined;
  const p = posix.normalize(posix.join(posix.dirname(fromPlaylist), uri));
  return p.startsWith('../') || p === '..' ? undefined : p;
}

export { listFiles as listPackageFiles } from '../util/list-files.js';

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/**
 * Parse strictly so spec violations are reported; when strict parsing fails, parse leniently so
 * the rest of the package can still be checked, and report the violation under a precise code.
 */
function parsePlaylistText(text: string): { playlist?: HLS.types.Playlist; violation?: string } {
  try {
    HLS.setOptions({ strictMode: true, silent: true });
    return { playlist: HLS.parse(text) };
  } catch (err) {
    const violation = (err as Error).message.replace(/^Invalid Playlist : /, '');
    try {
      HLS.setOptions({ strictMode: false, silent: true });
      const playlist = HLS.parse(text);
      return { ...(playlist ? { playlist } : {}), violation };
    } catch {
      return { violation };
    } finally {
      HLS.setOptions({ strictMode: true, silent: true });
    }
  }
}

/** What one inspection gathers, shared by the steps below. */
interface Inspection {
  dir: string;
  problems: PackageProblem[];
  entries: Map<string, PackageEntry>;
  segmentsByPath: Map<string, SegmentRef[]>;
}

function addEntry(ins: Inspection, e: PackageEntry): void {
  if (!ins.entries.has(e.path)) ins.entries.set(e.path, e);
}

function outsidePackage(file: string, by: string): PackageProblem {
  return { file, problem: 'outside-package', detail: `${by} references a file outside the package` };
}

async function loadPlaylist(ins: Inspection, rel: string, what: string): Promise<HLS.types.Playlist | undefined> {
  let text: string;
  try {
    text = await readFile(join(ins.dir, rel), 'utf8');
  } catch {
    ins.problems.push({ file: rel, problem: 'missing', detail: `${what} does not exist` });
    return undefined;
  }
  const { playlist, violation } = parsePlaylistText(text);
  // EXTINF over TARGETDURATION is reported per segment, with the numbers (inspectSegments).
  if (violation && !/EXTINF duration/.test(violation)) {
    ins.problems.push({ file: rel, problem: 'unparsable', detail: violation });
    return undefined;
  }
  return playlist;
}

/** The master's media playlists by kind, and its I-frame playlists. */
function masterReferences(ins: Inspection, master: HLS.types.MasterPlaylist) {
  const media = new Map<string, Rendition['kind']>();
  const iframes: string[] = [];
  for (const v of master.variants) {
    if (v.isIFrameOnly) {
      iframes.push(v.uri);
      continue;
    }
    media.set(v.uri, 'video');
    for (const a of v.audio) if (a.uri && !media.has(a.uri)) media.set(a.uri, 'audio');
    for (const t of v.subtitles) if (t.uri && !media.has(t.uri)) media.set(t.uri, 'subtitles');
  }
  if (media.size === 0)
    ins.problems.push({
      file: MASTER_PLAYLIST,
      problem: 'unparsable',
      detail: 'the master playlist lists no variants',
    });
  return { media, iframes };
}

/** One media playlist: its rendition, its init segment and segments as entries. */
async function inspectMediaPlaylist(
  ins: Inspection,
  uri: string,
  kind: Rendition['kind'],
  sourceDurationSec: number | undefined,
): Promise<Rendition | undefined> {
  const rel = resolveUri(MASTER_PLAYLIST, uri);
  if (!rel) {
    ins.problems.push(outsidePackage(uri, 'master playlist'));
    return undefined;
  }
  const name = posix.dirname(rel) === '.' ? posix.basename(rel, '.m3u8') : posix.dirname(rel);
  const playlist = await loadPlaylist(ins, rel, 'media playlist');
  if (!playlist) return undefined;
  if (playlist.isMasterPlaylist) {
    ins.problems.push({
      file: rel,
      problem: 'unparsable',
      detail: 'expected a media playlist, found a master playlist',
    });
    return undefined;
  }
  const mp = playlist as HLS.types.MediaPlaylist;
  addEntry(ins, { path: rel, kind: 'media-playlist', rendition: name });
  const rendition: Rendition = { name, playlist: rel, kind, targetDuration: mp.targetDuration, segments: [] };
  const total = inspectSegments(ins, rel, mp, rendition);
  if (sourceDurationSec !== undefined && Math.abs(total - sourceDurationSec) > mp.targetDuration) {
    ins.problems.push({
      file: rel,
      problem: 'duration-mismatch',
      detail: `segments add up to ${total.toFixed(3)} s; the source is ${sourceDurationSec.toFixed(3)} s (allowed: one segment, ${mp.targetDuration} s)`,
    });
  }
  return rendition;
}

/** Sequence, EXTINF and references of a media playlist's segments; returns their summed duration. */
function inspectSegments(ins: Inspection, rel: string, mp: HLS.types.MediaPlaylist, rendition: Rendition): number {
  let expectedSeq: number | undefined;
  let total = 0;
  for (const seg of mp.segments) {
    if (expectedSeq !== undefined && seg.mediaSequenceNumber !== expectedSeq) {
      ins.problems.push({
        file: rel,
        problem: 'sequence-gap',
        detail: `media sequence jumps from ${expectedSeq - 1} to ${seg.mediaSequenceNumber}`,
      });
    }
    expectedSeq = seg.mediaSequenceNumber + 1;
    if (Math.round(seg.duration) > mp.targetDuration) {
      ins.problems.push({
        file: rel,
        problem: 'extinf-over-target',
        detail: `${seg.uri}: EXTINF ${seg.duration} s exceeds TARGETDURATION ${mp.targetDuration} s`,
      });
    }
    total += seg.duration;
    if (seg.map?.uri) {
      const init = resolveUri(rel, seg.map.uri);
      if (!init) ins.problems.push(outsidePackage(seg.map.uri, rel));
      else {
        rendition.init ??= init;
        addEntry(ins, { path: init, kind: 'init-segment', rendition: rendition.name });
      }
    }
    const target = resolveUri(rel, seg.uri);
    if (!target) {
      ins.problems.push(outsidePackage(seg.uri, rel));
      // Kept in the list (and skipped by the decoder) so renditions still compare segment by segment.
      rendition.segments.push({ path: seg.uri, durationSec: seg.duration, size: 0 });
      continue;
    }
    addEntry(ins, { path: target, kind: 'segment', rendition: rendition.name, durationSec: seg.duration });
    const ref: SegmentRef = { path: target, durationSec: seg.duration, size: 0 };
    rendition.segments.push(ref);
    ins.segmentsByPath.set(target, [...(ins.segmentsByPath.get(target) ?? []), ref]);
  }
  return total;
}

/** I-frame playlists: byte ranges of segments the media playlists already name. */
async function inspectIframePlaylists(ins: Inspection, iframes: string[]): Promise<void> {
  for (const uri of iframes) {
    const rel = resolveUri(MASTER_PLAYLIST, uri);
    if (!rel) {
      ins.problems.push(outsidePackage(uri, 'master playlist'));
      continue;
    }
    const playlist = await loadPlaylist(ins, rel, 'I-frame playlist');
    if (!playlist || playlist.isMasterPlaylist) continue;
    addEntry(ins, { path: rel, kind: 'iframe-playlist', rendition: posix.dirname(rel) });
    for (const seg of (playlist as HLS.types.MediaPlaylist).segments) {
      const target = resolveUri(rel, seg.uri);
      if (!target) ins.problems.push(outsidePackage(seg.uri, rel));
      else if (!ins.entries.has(target))
        ins.problems.push({ file: target, problem: 'missing', detail: `named by ${rel} but by no media playlist` });
      else if (!seg.byterange)
        ins.problems.push({ file: rel, problem: 'unparsable', detail: `${seg.uri} has no EXT-X-BYTERANGE` });
    }
  }
}

/** Trick play: the image streams the master announces (hls-parser skips EXT-X-IMAGE-STREAM-INF). */
async function inspectImageStreams(ins: Inspection): Promise<void> {
  const masterText = await readFile(join(ins.dir, MASTER_PLAYLIST), 'utf8');
  for (const uri of imageStreamUris(masterText)) {
    const rel = resolveUri(MASTER_PLAYLIST, uri);
    const playlist = rel ? await loadPlaylist(ins, rel, 'image playlist') : undefined;
    if (!rel) ins.problems.push(outsidePackage(uri, 'master playlist'));
    if (!rel || !playlist || playlist.isMasterPlaylist) continue;
    const rendition = posix.dirname(rel);
    addEntry(ins, { path: rel, kind: 'image-playlist', rendition });
    for (const seg of (playlist as HLS.types.MediaPlaylist).segments) {
      const target = resolveUri(rel, seg.uri);
      if (target) addEntry(ins, { path: target, kind: 'thumbnail-sheet', rendition });
      else ins.problems.push(outsidePackage(seg.uri, rel));
    }
    const vtt = posix.join(rendition, THUMBNAIL_VTT);
    if ((await sizeOf(join(ins.dir, vtt))) !== undefined)
      addEntry(ins, { path: vtt, kind: 'thumbnail-track', rendition });
  }
}

/** An optional DASH manifest over the same segments: it may only point at files the HLS playlists name. */
async function inspectDashManifest(ins: Inspection): Promise<void> {
  const mpd = await readFile(join(ins.dir, DASH_MANIFEST), 'utf8').catch(() => undefined);
  if (mpd === undefined) return;
  addEntry(ins, { path: DASH_MANIFEST, kind: 'dash-manifest' });
  for (const m of mpd.matchAll(/(?:sourceURL|media)="([^"]+)"/g)) {
    const ref = resolveUri(DASH_MANIFEST, m[1]!.replace(/&amp;/g, '&'));
    if (!ref || !ins.entries.has(ref))
      ins.problems.push({
        file: DASH_MANIFEST,
        problem: 'missing',
        detail: `references ${m[1]}, which no HLS playlist names`,
      });
  }
  // Subtitle tracks: one WebVTT file each, for DASH only.
  for (const m of mpd.matchAll(/<BaseURL>([^<]+)<\/BaseURL>/g)) {
    const ref = resolveUri(DASH_MANIFEST, m[1]!.replace(/&amp;/g, '&'));
    if (!ref)
      ins.problems.push({
        file: DASH_MANIFEST,
        problem: 'outside-package',
        detail: `references ${m[1]} outside the package`,
      });
    else if (ref.endsWith('.vtt')) addEntry(ins, { path: ref, kind: 'subtitle-track', rendition: posix.dirname(ref) });
  }
}

const PLAYLIST_KINDS: ReadonlySet<ManifestFile['kind']> = new Set([
  'master-playlist',
  'media-playlist',
  'iframe-playlist',
  'image-playlist',
  'dash-manifest',
]);

/** Every referenced file exists and is not empty (sizes recorded on the segments); no file is unreferenced. */
async function checkFilesOnDisk(ins: Inspection): Promise<void> {
  for (const e of ins.entries.values()) {
    if (PLAYLIST_KINDS.has(e.kind)) continue;
    const size = await sizeOf(join(ins.dir, e.path));
    if (size === undefined)
      ins.problems.push({ file: e.path, problem: 'missing', detail: 'referenced by a playlist but does not exist' });
    else if (size === 0) ins.problems.push({ file: e.path, problem: 'empty', detail: 'file is 0 bytes' });
    for (const ref of ins.segmentsByPath.get(e.path) ?? []) ref.size = size ?? 0;
  }
  for (const f of await listFiles(ins.dir)) {
    if (f !== MANIFEST_FILE && f !== PACKAGE_MARKER && !ins.entries.has(f))
      ins.problems.push({ file: f, problem: 'stray', detail: 'no playlist references this file' });
  }
}

export async function inspectPackage(
  dir: string,
  opts: { sourceDurationSec?: number } = {},
): Promise<PackageStructure> {
  const ins: Inspection = { dir, problems: [], entries: new Map(), segmentsByPath: new Map() };
  const renditions: Rendition[] = [];
  const master = await loadPlaylist(ins, MASTER_PLAYLIST, 'master playlist');
  if (!master) return { entries: [], renditions, problems: ins.problems };
  if (!master.isMasterPlaylist) {
    ins.problems.push({
      file: MASTER_PLAYLIST,
      problem: 'unparsable',
      detail: 'is a media playlist, expected a master playlist',
    });
    return { entries: [], renditions, problems: ins.problems };
  }
  addEntry(ins, { path: MASTER_PLAYLIST, kind: 'master-playlist' });
  const { media, iframes } = masterReferences(ins, master as HLS.types.MasterPlaylist);
  for (const [uri, kind] of media) {
    const rendition = await inspectMediaPlaylist(ins, uri, kind, opts.sourceDurationSec);
    if (rendition) renditions.push(rendition);
  }
  await inspectIframePlaylists(ins, iframes);
  await inspectImageStreams(ins);
  await inspectDashManifest(ins);
  await checkFilesOnDisk(ins);
  return { entries: [...ins.entries.values()], renditions, problems: ins.problems };
}
