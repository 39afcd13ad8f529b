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

export async function inspectPackage(
  dir: string,
  opts: { sourceDurationSec?: number } = {},
): Promise<PackageStructure> {
  const problems: PackageProblem[] = [];
  const entries = new Map<string, PackageEntry>();
  const renditions: Rendition[] = [];
  const segmentsByPath = new Map<string, SegmentRef[]>();
  const add = (e: PackageEntry): void => {
    if (!entries.has(e.path)) entries.set(e.path, e);
  };

  const load = async (rel: string, what: string): Promise<HLS.types.Playlist | undefined> => {
    let text: string;
    try {
      text = await readFile(join(dir, rel), 'utf8');
    } catch {
      problems.push({ file: rel, problem: 'missing', detail: `${what} does not exist` });
      return undefined;
    }
    const { playlist, violation } = parsePlaylistText(text);
    // EXTINF over TARGETDURATION is reported below, per segment, with the numbers.
    if (violation && !/EXTINF duration/.test(violation)) {
      problems.push({ file: rel, problem: 'unparsable', detail: violation });
      return undefined;
    }
    return playlist;
  };

  const master = await load(MASTER_PLAYLIST, 'master playlist');
  if (!master) return { entries: [], renditions, problems };
  if (!master.isMasterPlaylist) {
    problems.push({
      file: MASTER_PLAYLIST,
      problem: 'unparsable',
      detail: 'is a media playlist, expected a master playlist',
    });
    return { entries: [], renditions, problems };
  }
  add({ path: MASTER_PLAYLIST, kind: 'master-playlist' });

  const media = new Map<string, 'video' | 'audio' | 'subtitles'>();
  const iframes: string[] = [];
  for (const v of (master as HLS.types.MasterPlaylist).variants) {
    if (v.isIFrameOnly) {
      iframes.push(v.uri);
      continue;
    }
    media.set(v.uri, 'video');
    for (const a of v.audio) if (a.uri && !media.has(a.uri)) media.set(a.uri, 'audio');
    for (const t of v.subtitles) if (t.uri && !media.has(t.uri)) media.set(t.uri, 'subtitles');
  }
  if (media.size === 0)
    problems.push({ file: MASTER_PLAYLIST, problem: 'unparsable', detail: 'the master playlist lists no variants' });

  for (const [uri, kind] of media) {
    const rel = resolveUri(MASTER_PLAYLIST, uri);
    if (!rel) {
      problems.push({
        file: uri,
        problem: 'outside-package',
        detail: 'master playlist references a file outside the package',
      });
      continue;
    }
    const name = posix.dirname(rel) === '.' ? posix.basename(rel, '.m3u8') : posix.dirname(rel);
    const playlist = await load(rel, 'media playlist');
    if (!playlist) continue;
    if (playlist.isMasterPlaylist) {
      problems.push({ file: rel, problem: 'unparsable', detail: 'expected a media playlist, found a master playlist' });
      continue;
    }
    const mp = playlist as HLS.types.MediaPlaylist;
    add({ path: rel, kind: 'media-playlist', rendition: name });
    const rendition: Rendition = { name, playlist: rel, kind, targetDuration: mp.targetDuration, segments: [] };

    let expectedSeq: number | undefined;
    let total = 0;
    for (const seg of mp.segments) {
      if (expectedSeq !== undefined && seg.mediaSequenceNumber !== expectedSeq) {
        problems.push({
          file: rel,
          problem: 'sequence-gap',
          detail: `media sequence jumps from ${expectedSeq - 1} to ${seg.mediaSequenceNumber}`,
        });
      }
      expectedSeq = seg.mediaSequenceNumber + 1;
      if (Math.round(seg.duration) > mp.targetDuration) {
        problems.push({
          file: rel,
          problem: 'extinf-over-target',
          detail: `${seg.uri}: EXTINF ${seg.duration} s exceeds TARGETDURATION ${mp.targetDuration} s`,
        });
      }
      total += seg.duration;
      if (seg.map?.uri) {
        const init = resolveUri(rel, seg.map.uri);
        if (!init)
          problems.push({
            file: seg.map.uri,
            problem: 'outside-package',
            detail: `${rel} references a file outside the package`,
          });
        else {
          rendition.init ??= init;
          add({ path: init, kind: 'init-segment', rendition: name });
        }
      }
      const target = resolveUri(rel, seg.uri);
      if (!target) {
        problems.push({
          file: seg.uri,
          problem: 'outside-package',
          detail: `${rel} references a file outside the package`,
        });
        // Kept in the list (and skipped by the decoder) so renditions still compare segment by segment.
        rendition.segments.push({ path: seg.uri, durationSec: seg.duration, size: 0 });
        continue;
      }
      add({ path: target, kind: 'segment', rendition: name, durationSec: seg.duration });
      const ref: SegmentRef = { path: target, durationSec: seg.duration, size: 0 };
      rendition.segments.push(ref);
      segmentsByPath.set(target, [...(segmentsByPath.get(target) ?? []), ref]);
    }
    if (opts.sourceDurationSec !== undefined && Math.abs(total - opts.sourceDurationSec) > mp.targetDuration) {
      problems.push({
        file: rel,
        problem: 'duration-mismatch',
        detail: `segments add up to ${total.toFixed(3)} s; the source is ${opts.sourceDurationSec.toFixed(3)} s (allowed: one segment, ${mp.targetDuration} s)`,
      });
    }
    renditions.push(rendition);
  }

  // I-frame playlists: byte ranges of segments the media playlists already name.
  for (const uri of iframes) {
    const rel = resolveUri(MASTER_PLAYLIST, uri);
    if (!rel) {
      problems.push({
        file: uri,
        problem: 'outside-package',
        detail: 'master playlist references a file outside the package',
      });
      continue;
    }
    const playlist = await load(rel, 'I-frame playlist');
    if (!playlist || playlist.isMasterPlaylist) continue;
    add({ path: rel, kind: 'iframe-playlist', rendition: posix.dirname(rel) });
    for (const seg of (playlist as HLS.types.MediaPlaylist).segments) {
      const target = resolveUri(rel, seg.uri);
      if (!target)
        problems.push({
          file: seg.uri,
          problem: 'outside-package',
          detail: `${rel} references a file outside the package`,
        });
      else if (!entries.has(target))
        problems.push({ file: target, problem: 'missing', detail: `named by ${rel} but by no media playlist` });
      else if (!seg.byterange)
        problems.push({ file: rel, problem: 'unparsable', detail: `${seg.uri} has no EXT-X-BYTERANGE` });
    }
  }

  // Trick play: the image streams the master announces (hls-parser skips EXT-X-IMAGE-STREAM-INF).
  const masterText = await readFile(join(dir, MASTER_PLAYLIST), 'utf8');
  for (const uri of imageStreamUris(masterText)) {
    const rel = resolveUri(MASTER_PLAYLIST, uri);
    const playlist = rel ? await load(rel, 'image playlist') : undefined;
    if (!rel)
      problems.push({
        file: uri,
        problem: 'outside-package',
        detail: 'master playlist references a file outside the package',
      });
    if (!rel || !playlist || playlist.isMasterPlaylist) continue;
    const rendition = posix.dirname(rel);
    add({ path: rel, kind: 'image-playlist', rendition });
    for (const seg of (playlist as HLS.types.MediaPlaylist).segments) {
      const target = resolveUri(rel, seg.uri);
      if (target) add({ path: target, kind: 'thumbnail-sheet', rendition });
      else
        problems.push({
          file: seg.uri,
          problem: 'outside-package',
          detail: `${rel} references a file outside the package`,
        });
    }
    const vtt = posix.join(rendition, THUMBNAIL_VTT);
    if ((await sizeOf(join(dir, vtt))) !== undefined) add({ path: vtt, kind: 'thumbnail-track', rendition });
  }

  // An optional DASH manifest over the same segments: it may only point at files the HLS playlists name.
  const mpd = await readFile(join(dir, DASH_MANIFEST), 'utf8').catch(() => undefined);
  if (mpd !== undefined) {
    add({ path: DASH_MANIFEST, kind: 'dash-manifest' });
    for (const m of mpd.matchAll(/(?:sourceURL|media)="([^"]+)"/g)) {
      const ref = resolveUri(DASH_MANIFEST, m[1]!.replace(/&amp;/g, '&'));
      if (!ref || !entries.has(ref))
        problems.push({
          file: DASH_MANIFEST,
          problem: 'missing',
          detail: `references ${m[1]}, which no HLS playlist names`,
        });
    }
    // Subtitle tracks: one WebVTT file each, for DASH only.
    for (const m of mpd.matchAll(/<BaseURL>([^<]+)<\/BaseURL>/g)) {
      const ref = resolveUri(DASH_MANIFEST, m[1]!.replace(/&amp;/g, '&'));
      if (!ref)
        problems.push({
          file: DASH_MANIFEST,
          problem: 'outside-package',
          detail: `references ${m[1]} outside the package`,
        });
      else if (ref.endsWith('.vtt')) add({ path: ref, kind: 'subtitle-track', rendition: posix.dirname(ref) });
    }
  }

  for (const e of entries.values()) {
    if (
      e.kind === 'master-playlist' ||
      e.kind === 'media-playlist' ||
      e.kind === 'iframe-playlist' ||
      e.kind === 'image-playlist' ||
      e.kind === 'dash-manifest'
    )
      continue;
    const size = await sizeOf(join(dir, e.path));
    if (size === undefined)
      problems.push({ file: e.path, problem: 'missing', detail: 'referenced by a playlist but does not exist' });
    else if (size === 0) problems.push({ file: e.path, problem: 'empty', detail: 'file is 0 bytes' });
    for (const ref of segmentsByPath.get(e.path) ?? []) ref.size = size ?? 0;
  }
  for (const f of await listFiles(dir)) {
    if (f !== MANIFEST_FILE && f !== PACKAGE_MARKER && !entries.has(f))
      problems.push({ file: f, problem: 'stray', detail: 'no playlist references this file' });
  }
  return { entries: [...entries.values()], renditions, problems };
}
