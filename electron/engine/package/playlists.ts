/**
 * The station writes every playlist of a package itself, from the chunk journal (what was encoded
 * and proven), not from ffmpeg's: media playlists (EXTINF from each fragment's own sample
 * durations; EXT-X-KEY with each segment's IV when encrypted), I-frame playlists (the byte range of
 * each segment's keyframe: every box before its data plus the sample itself), subtitle playlists,
 * and the master playlist — exact CODECS from the init segments, RESOLUTION, FRAME-RATE, BANDWIDTH
 * and AVERAGE-BANDWIDTH measured from the segments' sizes, one audio group per codec (the same NAMEs
 * in each), the subtitle group, CLOSED-CAPTIONS=NONE (no 608 captions are carried), and the
 * accessibility characteristics (audio description, SDH).
 */
import { writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { MASTER_PLAYLIST } from '../../common/manifest.js';
import type { AudioRendition, Rung, SubtitleRendition, TranscodePlan } from '../plan/plan.js';
import type { ChunkJournal, InitRecord, PublishedChunk, VerifiedChunk } from './chunk-journal.js';
import { audioDir } from './audio-encoder.js';
import { keyUri } from './encryption.js';
import { FULL_VTT, subtitleDir } from './subtitle-writer.js';
import type { PackageDrm } from '../drm/package-drm.js';

export const MEDIA_PLAYLIST = 'index.m3u8';
export const IFRAME_PLAYLIST = 'iframes.m3u8';

export interface RenditionFiles {
  dir: string;
  init?: InitRecord;
  chunks: Array<PublishedChunk & { verified: VerifiedChunk }>;
}

/** Every rendition's chunks in order, each with what verify recorded of it. */
export function renditionFiles(
  plan: TranscodePlan,
  journal: ChunkJournal,
): { video: Map<string, RenditionFiles>; audio: Map<string, RenditionFiles>; subs: Map<string, RenditionFiles> } {
  const withV = (c: PublishedChunk) => {
    const verified = journal.verified.get(c.path);
    if (!verified) throw new Error(`${c.path} was never verified`);
    return { ...c, verified };
  };
  const sets = [...journal.sets.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c);
  const video = new Map(
    plan.rungs.map((r, k) => [
      r.name,
      {
        dir: r.name,
        ...(journal.inits.get(r.name)?.path ? { init: journal.inits.get(r.name)! } : {}),
        chunks: sets.map((s) => withV(s[k]!)),
      },
    ]),
  );
  const audio = new Map(
    plan.audio.map((a) => [
      a.name,
      {
        dir: audioDir(a),
        ...(journal.inits.get(audioDir(a)) ? { init: journal.inits.get(audioDir(a))! } : {}),
        chunks: (journal.audio ?? []).filter((c) => c.r === audioDir(a)).map(withV),
      },
    ]),
  );
  const subs = new Map(
    plan.subtitles.map((s) => [
      s.name,
      {
        dir: subtitleDir(s),
        chunks: (journal.subs ?? []).filter((c) => c.r === subtitleDir(s) && c.i >= 0).map(withV),
      },
    ]),
  );
  return { video, audio, subs };
}

const dur = (c: PublishedChunk): number => c.end - c.start;
/** TARGETDURATION: every EXTINF, rounded to the nearest second, must fit. */
const target = (r: RenditionFiles): number => Math.max(1, ...r.chunks.map((c) => Math.round(dur(c))));

interface Rates {
  peak: number;
  average: number;
}

/** Bit rates of a rendition as encoded: peak over full-length segments, and the mean. */
export function rates(r: RenditionFiles): Rates {
  const t = target(r);
  let bits = 0;
  let seconds = 0;
  let peak = 0;
  for (const c of r.chunks) {
    const b = c.verified.size * 8;
    bits += b;
    seconds += dur(c);
    // A tail segment of a frame or two says nothing about the stream's peak.
    if (dur(c) >= t / 4) peak = Math.max(peak, b / dur(c));
  }
  const average = seconds > 0 ? bits / seconds : 0;
  return { peak: Math.ceil(peak || average), average: Math.ceil(average) };
}

/** What the playlist writers ask of a DRM title (drm/package-drm.ts). */
export type DrmSignalling = Pick<
  PackageDrm,
  'mediaKeyTags' | 'sessionKeyTags' | 'contentProtection' | 'adaptationKey' | 'dashNamespaces'
>;

/**
 * Where a chunk's first sample ends in the bytes the origin holds: Common Encryption adds its boxes
 * (senc, saiz, saio) to the moof in front of the data, so the clear offset moves by the growth.
 */
const firstSampleEnd = (c: RenditionFiles['chunks'][number]): number =>
  c.firstSampleEnd! + (c.verified.clear ? c.verified.size - c.verified.clear.size : 0);

function mediaPlaylist(r: RenditionFiles, opts: { version: number; keyUri?: string; drm?: DrmSignalling }): string {
  const lines = [
    '#EXTM3U',
    `#EXT-X-VERSION:${opts.version}`,
    `#EXT-X-TARGETDURATION:${target(r)}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-INDEPENDENT-SEGMENTS',
  ];
  if (r.init) lines.push(`#EXT-X-MAP:URI="${posix.basename(r.init.path)}"`);
  for (const c of r.chunks) {
    // DRM: the key tags after EXT-X-MAP, again where a key period starts.
    if (opts.drm) lines.push(...opts.drm.mediaKeyTags(r.dir, c.i));
    // After EXT-X-MAP: the init segment stays clear; each segment has its own IV.
    if (c.verified.iv && c.verified.keyId && opts.keyUri)
      lines.push(`#EXT-X-KEY:METHOD=AES-128,URI="${keyUri(opts.keyUri, c.verified.keyId)}",IV=0x${c.verified.iv}`);
    lines.push(`#EXTINF:${dur(c).toFixed(6)},`, posix.basename(c.path));
  }
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

function iframePlaylist(r: RenditionFiles, drm?: DrmSignalling): string {
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${target(r)}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-I-FRAMES-ONLY',
  ];
  if (r.init) lines.push(`#EXT-X-MAP:URI="${posix.basename(r.init.path)}"`);
  for (const c of r.chunks)
    lines.push(
      ...(drm ? drm.mediaKeyTags(r.dir, c.i) : []),
      `#EXTINF:${dur(c).toFixed(6)},`,
      `#EXT-X-BYTERANGE:${firstSampleEnd(c)}@0`,
      posix.basename(c.path),
    );
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

function iframeRates(r: RenditionFiles): Rates {
  const per = r.chunks.filter((c) => dur(c) > 0).map((c) => (firstSampleEnd(c) * 8) / dur(c));
  const total =
    r.chunks.reduce((n, c) => n + firstSampleEnd(c) * 8, 0) /
    Math.max(
      1e-9,
      r.chunks.reduce((n, c) => n + dur(c), 0),
    );
  return { peak: Math.ceil(Math.max(total, ...per)), average: Math.ceil(total) };
}

const attr = (s: string): string => s.replace(/"/g, "'");
const audioCodec = (a: AudioRendition, init?: InitRecord): string =>
  init?.codec || (a.group === 'ac3' ? 'ac-3' : 'mp4a.40.2');

function audioMedia(a: AudioRendition): string {
  const characteristics = a.describesVideo ? ',CHARACTERISTICS="public.accessibility.describes-video"' : '';
  return `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="${a.group}",${a.language ? `LANGUAGE="${a.language}",` : ''}NAME="${attr(a.label)}",DEFAULT=${a.default ? 'YES' : 'NO'},AUTOSELECT=YES,CHANNELS="${a.channels}"${characteristics},URI="${audioDir(a)}/${MEDIA_PLAYLIST}"`;
}

function subtitleMedia(s: SubtitleRendition): string {
  const characteristics = s.sdh
    ? ',CHARACTERISTICS="public.accessibility.transcribes-spoken-dialog,public.accessibility.describes-music-and-sound"'
    : '';
  return `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="${s.language}",NAME="${attr(s.label)}",DEFAULT=${s.default ? 'YES' : 'NO'},AUTOSELECT=YES,FORCED=${s.forced ? 'YES' : 'NO'}${characteristics},URI="${subtitleDir(s)}/${MEDIA_PLAYLIST}"`;
}

export interface PlaylistOptions {
  plan: TranscodePlan;
  journal: ChunkJournal;
  packageDir: string;
  /** Frames per second of the rungs (FRAME-RATE). */
  frameRate?: number;
  /** Video codec strings for TS packages (fMP4 ones come from the init segments). */
  tsVideoCodec?: string;
  /** Lines the master playlist ends with (trick play's `#EXT-X-IMAGE-STREAM-INF`). */
  extraMasterLines?: string[];
  /** A DRM title's key signalling. */
  drm?: DrmSignalling;
}

/** Write every playlist; returns their package-relative paths, the master last. */
export async function writePlaylists(o: PlaylistOptions): Promise<string[]> {
  const { plan } = o;
  const files = renditionFiles(plan, o.journal);
  const version = plan.segmentFormat === 'ts' ? 3 : 7;
  const written: string[] = [];
  const put = async (rel: string, text: string): Promise<void> => {
    await writeFile(join(o.packageDir, rel), text);
    written.push(rel);
  };
  const keyTemplate = plan.encryption?.keyUri;
  for (const r of [...files.video.values(), ...files.audio.values()])
    await put(
      `${r.dir}/${MEDIA_PLAYLIST}`,
      mediaPlaylist(r, { version, ...(keyTemplate ? { keyUri: keyTemplate } : {}), ...(o.drm ? { drm: o.drm } : {}) }),
    );
  for (const r of files.subs.values()) await put(`${r.dir}/${MEDIA_PLAYLIST}`, mediaPlaylist(r, { version }));
  if (plan.iframes)
    for (const r of files.video.values()) await put(`${r.dir}/${IFRAME_PLAYLIST}`, iframePlaylist(r, o.drm));

  const lines = [
    '#EXTM3U',
    `#EXT-X-VERSION:${version}`,
    '#EXT-X-INDEPENDENT-SEGMENTS',
    ...(o.drm?.sessionKeyTags() ?? []),
  ];
  const groups = [...new Set(plan.audio.map((a) => a.group))];
  for (const a of plan.audio) lines.push(audioMedia(a));
  for (const s of plan.subtitles) lines.push(subtitleMedia(s));
  const audioRates = new Map(plan.audio.map((a) => [a.group + a.name, rates(files.audio.get(a.name)!)]));
  const rungLine = (r: Rung, group?: string): string => {
    const v = files.video.get(r.name)!;
    const vr = rates(v);
    const members = plan.audio.filter((a) => a.group === group);
    const ar = members.map((a) => audioRates.get(a.group + a.name)!);
    const peak = vr.peak + Math.max(0, ...ar.map((x) => x.peak));
    const average = vr.average + Math.max(0, ...ar.map((x) => x.average));
    const vcodec = v.init?.codec || o.tsVideoCodec || 'avc1.640028';
    const codecs = [
      vcodec,
      ...(members[0] ? [audioCodec(members[0], files.audio.get(members[0].name)!.init)] : []),
    ].join(',');
    return [
      `#EXT-X-STREAM-INF:BANDWIDTH=${peak},AVERAGE-BANDWIDTH=${average},CODECS="${codecs}",RESOLUTION=${r.width}x${r.height}`,
      o.frameRate ? `,FRAME-RATE=${o.frameRate.toFixed(3)}` : '',
      group ? `,AUDIO="${group}"` : '',
      plan.subtitles.length ? ',SUBTITLES="subs"' : '',
      ',CLOSED-CAPTIONS=NONE',
    ].join('');
  };
  for (const group of groups.length ? groups : [undefined]) {
    for (const r of plan.rungs) lines.push(rungLine(r, group), `${r.name}/${MEDIA_PLAYLIST}`);
  }
  if (plan.iframes) {
    for (const r of plan.rungs) {
      const v = files.video.get(r.name)!;
      const ir = iframeRates(v);
      lines.push(
        `#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=${ir.peak},AVERAGE-BANDWIDTH=${ir.average},CODECS="${v.init?.codec ?? 'avc1.640028'}",RESOLUTION=${r.width}x${r.height},URI="${r.name}/${IFRAME_PLAYLIST}"`,
      );
    }
  }
  lines.push(...(o.extraMasterLines ?? []), '');
  await put(MASTER_PLAYLIST, lines.join('\n'));
  return written;
}

export { FULL_VTT };
