/**
 * The plan model (TranscodePlan, Rung, the renditions) and planTranscode: which renditions to make,
 * with which encoder, cut into which segments (the plan stage, stages/plan-stage.ts, runs it per job).
 * Video: the ladder comes from a profile (resources/ladder-profiles.json): no rung above the source,
 * aspect of the *displayed* picture kept (anamorphic pixels widened, rotation applied), even
 * dimensions, frame rate kept (halved above 60), HDR tone-mapped to SDR, interlaced deinterlaced; a
 * master between two rungs (SD 480 or 576 lines, a 1920×800 scope picture) gets a top rung at its
 * own size, never an upscale. Audio: every stream the delivery spec selects, as AAC stereo, and as
 * AC-3 too when the profile asks for surround and the master has it. Subtitles: every caption file
 * beside the master that reads cleanly and every embedded text subtitle stream, as WebVTT.
 */
import {
  IMAGE_SUBTITLE_CODECS,
  TEXT_SUBTITLE_CODECS,
  isInterlaced,
  type AudioStreamInfo,
  type MediaInfo,
} from '../../common/media.js';
import { bcp47, endonym, sameLanguage } from '../../common/languages.js';
import type { DeliverySpec } from '../../common/spec.js';
import type { LadderProfile } from '../../common/profile.js';
import { perTitleSummary, type LadderChoice, type RateControl } from '../../common/ladder.js';
import type { LadderSummary } from '../../common/jobs.js';
import type { PlanQc } from '../analysis/qc-wiring.js';
import { drmPlanOptions, type DrmOptions } from '../drm/plan-options.js';
import { planTrickplay, type TrickplayLayout } from '../trickplay/layout.js';

export interface Rung {
  name: string;
  width: number;
  height: number;
  videoKbps: number;
  /** Encoder for this rung when it differs from the plan's (e.g. beyond the NVENC session cap). */
  encoder?: string;
  /** The per-title choice (engine/ladder/choose.ts); absent: the fixed ladder's `videoKbps` (abr). */
  rate?: RateControl;
}

/** Consumer NVIDIA cards allow a few concurrent NVENC sessions; one ffmpeg encoding N rungs opens N. */
export const NVENC_SESSION_CAP = 3;

export interface TranscodePlan {
  videoStreamIndex: number;
  /** HDR (PQ/HLG) masters are tone-mapped to SDR BT.709 before the split (the ladder is H.264 SDR). */
  tonemap?: boolean;
  /** Output frame rate when the source's is halved (above 60 fps). */
  frameRate?: { num: number; den: number };
  /** HLS segment container: fMP4/CMAF (default) or MPEG-TS. */
  segmentFormat: 'fmp4' | 'ts';
  /** Also write a DASH manifest (manifest.mpd) over the same CMAF segments (fMP4 only). */
  dash?: boolean;
  /** Deinterlace before scaling (interlaced masters; only when the content was not analysed). */
  deinterlace?: boolean;
  /**
   * The content analysis's picture filters before the ladder's split (inverse telecine, bwdif, crop:
   * engine/analysis/filters.ts); they replace the flag-driven deinterlace.
   */
  preFilters?: string[];
  /** The QC riding along the encode (engine/analysis/qc-wiring.ts): its folder, rules, source streams. */
  qc?: PlanQc;
  rungs: Rung[];
  /** Audio renditions, one per selected stream and codec group (AAC stereo always; AC-3 with surround). */
  audio: AudioRendition[];
  /** WebVTT renditions made by the station from caption files and text subtitle streams. */
  subtitles: SubtitleRendition[];
  /** Stereo AAC bit rate (the profile's). */
  audioKbps: number;
  segmentSeconds: number;
  encoder: string;
  encoderReason: string;
  /** Whole-segment AES-128 (keys stay on the station; see package/encryption.ts). */
  encryption?: { keyUri: string; rotateEvery: number };
  /** Studio DRM: Common Encryption of every segment (engine/drm/; supersedes AES-128 for the title). */
  drm?: DrmOptions;
  /** I-frame playlists (fMP4, clear or DRM: byte ranges cannot address AES-128-CBC segments). */
  iframes: boolean;
  /** Trick-play thumbnails across the film (engine/trickplay/), made once the chunks are proven. */
  trickplay?: TrickplayLayout;
  /** The per-title choice the rungs were set from (engine/ladder/): stored so a resumed encode never chooses again. */
  perTitle?: LadderChoice;
}

export type AudioGroup = 'aac' | 'ac3';

export interface AudioRendition {
  /** Folder under audio/: "aac-fr", "ac3-fr", "aac-en-ad". */
  name: string;
  streamIndex: number;
  /** BCP 47; absent for an untagged stream. */
  language?: string;
  /** NAME: the language in its own words ("Français"), the same in every group. */
  label: string;
  group: AudioGroup;
  channels: 2 | 6;
  kbps: number;
  default: boolean;
  /** An audio description for the visually impaired (public.accessibility.describes-video). */
  describesVideo?: true;
  /** The loudness decision's gain (and limiter) for this rendition (engine/analysis/filters.ts). */
  filter?: string;
}

export type SubtitleSource =
  { kind: 'file'; path: string; format: 'srt' | 'vtt' | 'scc' } | { kind: 'stream'; index: number };

export interface SubtitleRendition {
  /** Folder under subs/: "en", "en-sdh", "fr-forced". */
  name: string;
  language: string;
  label: string;
  default: boolean;
  forced?: true;
  /** Captions for the deaf and hard of hearing (transcribes dialog, describes music and sound). */
  sdh?: true;
  source: SubtitleSource;
}

const even = (n: number): number => Math.max(2, 2 * Math.round(n / 2));

export interface EncoderChoice {
  chosen: string;
  reason: string;
}

/**
 * One ffmpeg encoding N rungs with NVENC opens N sessions; consumer cards allow only a few. Rungs
 * beyond the cap are encoded with libx264 in the same process. Returns the encoder reason to record.
 */
export function applyNvencCap(rungs: Rung[], encoder: EncoderChoice): string {
  if (!encoder.chosen.endsWith('_nvenc') || rungs.length <= NVENC_SESSION_CAP) return encoder.reason;
  for (const r of rungs.slice(NVENC_SESSION_CAP)) r.encoder = 'libx264';
  return `${encoder.reason}; rungs beyond the first ${NVENC_SESSION_CAP} use libx264 (consumer NVENC session cap)`;
}

export interface PlanOptions {
  segmentSeconds: number;
  profile: LadderProfile;
  encoder?: EncoderChoice;
  segmentFormat?: 'fmp4' | 'ts';
  dash?: boolean;
  /** Which audio streams, the primary language (defaults: every tagged stream, no primary). */
  spec?: Pick<DeliverySpec, 'audioSelection' | 'primaryLanguage'>;
  /** Encrypt (the profile can ask too): the key URI template ({keyId}) and rotation. */
  encryption?: { keyUri?: string; rotateEvery?: number; enabled?: boolean };
  /** Studio DRM (the config's drm section, when on). */
  drm?: DrmOptions;
}

const unique = (names: string[], name: string): string => {
  let n = name;
  for (let i = 2; names.includes(n); i++) n = `${name}-${i}`;
  names.push(n);
  return n;
};

/** The audio streams the spec selects: every tagged stream (else the first), every stream, or the first. */
function selectAudio(info: MediaInfo, selection: DeliverySpec['audioSelection']): AudioStreamInfo[] {
  if (info.audio.length === 0) return [];
  if (selection === 'all') return info.audio;
  if (selection === 'first') return info.audio.slice(0, 1);
  const tagged = info.audio.filter((a) => bcp47(a.language));
  return tagged.length ? tagged : info.audio.slice(0, 1);
}

function planAudio(info: MediaInfo, profile: LadderProfile, spec: PlanOptions['spec']): AudioRendition[] {
  const streams = selectAudio(info, spec?.audioSelection ?? 'tagged');
  const primary = bcp47(spec?.primaryLanguage);
  // DEFAULT: the primary language's main (not described) track, else the first main track.
  const main = streams.filter((a) => !a.flags?.visualImpaired);
  const chosen = main.find((a) => primary && sameLanguage(bcp47(a.language), primary)) ?? main[0] ?? streams[0];
  const surround = profile.surroundKbps !== undefined && streams.some((a) => a.channels >= 6);
  const names: string[] = [];
  const out: AudioRendition[] = [];
  for (const group of surround ? (['aac', 'ac3'] as const) : (['aac'] as const)) {
    for (const [i, a] of streams.entries()) {
      const language = bcp47(a.language);
      const described = !!a.flags?.visualImpaired;
      const base = language ? endonym(language) : (a.title ?? `Audio ${i + 1}`);
      const channels = group === 'ac3' && a.channels >= 6 ? 6 : 2;
      out.push({
        name: unique(names, `${group}-${language ?? 'und'}${described ? '-ad' : ''}`),
        streamIndex: a.index,
        ...(language ? { language } : {}),
        // Identical in every group, so a player keeps the viewer's choice when it switches codec.
        label: described ? `${base} (AD)` : base,
        group,
        channels,
        kbps:
          group === 'aac'
            ? profile.audioKbps
            : channels === 6
              ? profile.surroundKbps!
              : Math.min(profile.surroundKbps!, 192),
        default: a === chosen,
        ...(described ? { describesVideo: true as const } : {}),
      });
    }
  }
  return out;
}

function planSubtitles(info: MediaInfo, defaultAudio: AudioRendition | undefined): SubtitleRendition[] {
  const names: string[] = [];
  const out: SubtitleRendition[] = [];
  const add = (language: string, flags: { sdh?: boolean; forced?: boolean }, source: SubtitleSource): void => {
    const suffix = `${flags.sdh ? '-sdh' : ''}${flags.forced ? '-forced' : ''}`;
    const label = `${endonym(language)}${flags.sdh ? ' (SDH)' : ''}${flags.forced ? ' (forced)' : ''}`;
    out.push({
      name: unique(names, `${language}${suffix}`),
      language,
      label,
      // Forced narrative in the language of the default audio plays without being chosen.
      default: !!flags.forced && sameLanguage(language, defaultAudio?.language),
      ...(flags.forced ? { forced: true as const } : {}),
      ...(flags.sdh ? { sdh: true as const } : {}),
      source,
    });
  };
  for (const f of info.captionFiles ?? []) {
    if (f.cues === undefined) continue; // could not be read: the probe said why
    add(
      f.language,
      { ...(f.sdh ? { sdh: true } : {}), ...(f.forced ? { forced: true } : {}) },
      { kind: 'file', path: f.path, format: f.format },
    );
  }
  for (const s of info.subtitles) {
    if (!TEXT_SUBTITLE_CODECS.includes(s.codec)) continue;
    add(
      bcp47(s.language) ?? 'und',
      { ...(s.flags?.hearingImpaired ? { sdh: true } : {}), ...(s.flags?.forced ? { forced: true } : {}) },
      { kind: 'stream', index: s.index },
    );
  }
  return out;
}

/** Image subtitle streams the station does not convert (for the warning). */
export function imageSubtitleStreams(info: MediaInfo): number[] {
  return info.subtitles.filter((s) => IMAGE_SUBTITLE_CODECS.includes(s.codec)).map((s) => s.index);
}

export function planTranscode(info: MediaInfo, opts: PlanOptions): TranscodePlan {
  const video = info.video[0];
  if (!video) throw new Error('planTranscode needs a video stream (probe rejects masters without one)');
  // The picture as displayed: anamorphic pixels widened to square ones, rotation applied (ffmpeg
  // auto-rotates when decoding, so a 90° master arrives as a portrait picture).
  const sar = video.sar && video.sar.num > 0 && video.sar.den > 0 ? video.sar.num / video.sar.den : 1;
  const turned = video.rotation === 90 || video.rotation === 270;
  const displayWidth = turned ? video.height : video.width * sar;
  const displayHeight = turned ? video.width * sar : video.height;
  // Never upscale: only rungs at or below the source (with a little slack for 1078/1088-line
  // masters); a source below every rung gets one rung at its own size.
  const rungs: Rung[] = [];
  for (const r of opts.profile.rungs) {
    if (r.onlyFromHeight && displayHeight < r.onlyFromHeight * 0.98) continue;
    if (r.height > displayHeight * 1.02) continue;
    const height = even(Math.min(r.height, displayHeight));
    if (rungs.some((x) => x.height === height)) continue;
    rungs.push({
      name: `${r.height}p`,
      width: even((displayWidth * height) / displayHeight),
      height,
      videoKbps: r.kbps,
    });
  }
  // A master between two rungs keeps its lines: a top rung at its own size (never above it), its
  // bit rate interpolated between the profile's neighbours.
  // A master above the profile's top rung is capped by it (the profile says how high to go).
  const topHeight = rungs.reduce((m, r) => Math.max(m, r.height), 0);
  const between = opts.profile.rungs.some(
    (r) => r.height > displayHeight * 1.02 && !(r.onlyFromHeight && displayHeight < r.onlyFromHeight * 0.98),
  );
  if (displayHeight > topHeight * 1.02 && (between || rungs.length === 0)) {
    const height = even(displayHeight);
    const sorted = [...opts.profile.rungs].sort((a, b) => a.height - b.height);
    const below = [...sorted].reverse().find((r) => r.height <= height);
    const above = sorted.find((r) => r.height > height);
    const kbps =
      below && above
        ? below.kbps + ((above.kbps - below.kbps) * (height - below.height)) / (above.height - below.height)
        : ((below ?? above)!.kbps * height) / (below ?? above)!.height;
    rungs.unshift({
      name: `${height}p`,
      width: even((displayWidth * height) / displayHeight),
      height,
      videoKbps: Math.max(150, Math.round(kbps)),
    });
  }
  // Above 60 fps the ladder runs at half the rate (120 → 60, 119.88 → 59.94): players and bit budgets expect ≤ 60.
  const fps = video.frameRate.den ? video.frameRate.num / video.frameRate.den : 0;
  const frameRate = fps > 60.5 ? { num: video.frameRate.num, den: video.frameRate.den * 2 } : undefined;
  const encoder = opts.encoder ?? { chosen: 'libx264', reason: 'software encoder (no detection was run)' };
  const encoderReason = applyNvencCap(rungs, encoder);
  const audio = planAudio(info, opts.profile, opts.spec);
  const segmentFormat = opts.segmentFormat ?? 'fmp4';
  const drm = drmPlanOptions(opts.drm, segmentFormat);
  // DRM supersedes the AES-128 "clear key" encryption: one package, one protection.
  const encrypt = !drm && (opts.encryption?.enabled || opts.profile.encrypt);
  if (encrypt && !opts.encryption?.keyUri)
    throw new Error(
      'encryption is on but no key URI template is set (encryption.keyUri, e.g. "https://keys.example/{keyId}")',
    );
  return {
    videoStreamIndex: video.index,
    ...(isInterlaced(video) ? { deinterlace: true } : {}),
    ...(video.hdr ? { tonemap: true } : {}),
    ...(frameRate ? { frameRate } : {}),
    segmentFormat,
    // DASH has no whole-segment AES-128: an encrypted package is HLS only.
    ...(opts.dash && segmentFormat === 'fmp4' && !encrypt ? { dash: true } : {}),
    rungs,
    audio,
    subtitles: planSubtitles(
      info,
      audio.find((a) => a.default),
    ),
    audioKbps: opts.profile.audioKbps,
    segmentSeconds: opts.segmentSeconds,
    encoder: encoder.chosen,
    encoderReason,
    ...(encrypt
      ? { encryption: { keyUri: opts.encryption!.keyUri!, rotateEvery: opts.encryption?.rotateEvery ?? 0 } }
      : {}),
    ...(drm ? { drm } : {}),
    iframes: segmentFormat === 'fmp4' && !encrypt,
    ...(opts.profile.trickplay && info.durationSec > 0
      ? { trickplay: planTrickplay(info.durationSec, rungs[0]!.width / rungs[0]!.height, opts.profile.trickplay) }
      : {}),
  };
}

/** What the UI shows of a plan. */
export function ladderSummary(plan: TranscodePlan): LadderSummary {
  return {
    encoder: plan.encoder,
    encoderReason: plan.encoderReason,
    rungs: plan.rungs.map(({ name, width, height, videoKbps, encoder }) => ({
      name,
      width,
      height,
      videoKbps,
      ...(encoder ? { encoder } : {}),
    })),
    audioKbps: plan.audioKbps,
    segmentSeconds: plan.segmentSeconds,
    segmentFormat: plan.segmentFormat,
    mode: plan.perTitle ? 'per-title' : 'fixed',
    ...(plan.perTitle ? { perTitle: perTitleSummary(plan.perTitle) } : {}),
  };
}
