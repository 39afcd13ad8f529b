/**
 * The DRM key model: which content key protects which track. By default a title has one key per
 * track type — audio, SD video (≤ 576 lines), HD video (> 576 lines) — as MediaConvert's SPEKE v2
 * presets do, so a licence can grant SD without HD; `single` uses one key for everything. Optional
 * rotation gives each track type a new key every N segments (key periods).
 *
 * Key IDs are chosen by the station (random UUIDs) when the title is planned and kept with the job:
 * a resumed job asks its provider for the same IDs again instead of storing content keys. What it
 * stores is a key check value per ID (`keyCheck`: an HMAC of the ID under the key — it proves two
 * answers hold the same key and reveals nothing about it), so a provider that now answers a
 * different key for an ID is caught before a single chunk is encrypted under it.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { StationError } from '../util/errors.js';

export type TrackType = 'audio' | 'sd' | 'hd';
export type TrackKeys = 'audio-sd-hd' | 'single';
export type DrmScheme = 'cbcs' | 'cenc';
export type DrmSystem = 'widevine' | 'playready' | 'fairplay';

export const DRM_SYSTEMS: readonly DrmSystem[] = ['widevine', 'playready', 'fairplay'];

/** DASH-IF system IDs (dashif.org/identifiers/content_protection). */
export const SYSTEM_IDS: Record<DrmSystem, string> = {
  widevine: 'edef8ba9-79d6-4ace-a3c8-27dcd51d21ed',
  playready: '9a04f079-9840-4286-ab92-e65be0885f95',
  fairplay: '94ce86fb-07ff-4f43-adb8-93d2fa968ca2',
};

/** The most lines an SD rendition has (PAL 576); one more is HD. */
export const SD_MAX_LINES = 576;

/** A failure of DRM work: one sentence for the operator, never a key or a token in it. */
export class DrmError extends StationError {
  constructor(message: string, code = 'drm') {
    super(message, code);
    this.name = 'DrmError';
  }
}

/** The track type of a rendition: audio, or video by its picture height. */
export function trackTypeOf(r: { kind: 'video' | 'audio'; height?: number }): TrackType {
  if (r.kind === 'audio') return 'audio';
  return (r.height ?? 0) > SD_MAX_LINES ? 'hd' : 'sd';
}

/** One key slot: the key ID that protects a track type during a key period. */
export interface KeySlot {
  /** UUID, lower case (CPIX `kid`). */
  kid: string;
  /** The track type it protects; for `single`, every type shares the slot (listed as 'hd'). */
  trackType: TrackType;
  /** Key period (0 without rotation). */
  period: number;
}

export interface DrmOptions {
  scheme: DrmScheme;
  systems: DrmSystem[];
  trackKeys: TrackKeys;
  /** Segments per key period; 0 or absent: one key per slot for the whole title. */
  rotateEvery?: number;
  /** Segments left in clear at the start (0 unless the operator sets it). */
  clearLead?: number;
}

/** The defaults when the config's drm section leaves them out: cbcs, all three systems, audio/SD/HD keys. */
export const DRM_DEFAULTS: DrmOptions = {
  scheme: 'cbcs',
  systems: [...DRM_SYSTEMS],
  trackKeys: 'audio-sd-hd',
};

/** What a job keeps of its keys: the slots and, once fetched, each key's check value. Never the keys. */
export interface KeyPlan {
  options: DrmOptions;
  /** A provider-side content ID (CPIX `contentId`): the title ID and version. */
  contentId: string;
  slots: KeySlot[];
  /** kid → keyCheck of the key first fetched for it. */
  checks?: Record<string, string>;
}

export const TRACK_TYPES: readonly TrackType[] = ['audio', 'sd', 'hd'];

/** The slots of a title: per period, one per track type (or one for all). */
export function planKeys(
  options: DrmOptions,
  contentId: string,
  periods = 1,
  newKid: () => string = randomUUID,
): KeyPlan {
  const types: TrackType[] = options.trackKeys === 'single' ? ['hd'] : [...TRACK_TYPES];
  const slots: KeySlot[] = [];
  for (let period = 0; period < Math.max(1, periods); period++)
    for (const trackType of types) slots.push({ kid: newKid().toLowerCase(), trackType, period });
  return { options, contentId, slots };
}

/** The key period of segment `index`. */
export function periodOf(options: Pick<DrmOptions, 'rotateEvery'>, index: number): number {
  return options.rotateEvery && options.rotateEvery > 0 ? Math.floor(index / options.rotateEvery) : 0;
}

/** Periods needed for a title of `segments` segments. */
export function periodsFor(options: Pick<DrmOptions, 'rotateEvery'>, segments: number): number {
  return periodOf(options, Math.max(0, segments - 1)) + 1;
}

/** The slot for a track type in a period (with `single`, the one slot of the period). */
export function slotFor(plan: KeyPlan, trackType: TrackType, period: number): KeySlot {
  const want = plan.options.trackKeys === 'single' ? 'hd' : trackType;
  const slot = plan.slots.find((s) => s.trackType === want && s.period === period);
  if (!slot) throw new DrmError(`no key ID was planned for ${trackType} tracks in key period ${period}`);
  return slot;
}

/** A content key as held in memory while a title is encrypted. */
export interface ContentKey {
  kid: string;
  /** 16 bytes. */
  key: Buffer;
  /** A provider's explicit IV (CPIX `explicitIV`), 16 bytes, when it gave one. */
  iv?: Buffer;
}

/** Per-system data a provider answered for a key (SPEKE v2 DRMSystem), as given. */
export interface SystemData {
  system: DrmSystem;
  kid: string;
  /** A complete pssh box. */
  pssh?: Buffer;
  /** DASH: the XML to put inside the ContentProtection element (cenc:pssh, mspr:pro …). */
  contentProtectionData?: string;
  /** HLS: the tag lines for media and master playlists (EXT-X-KEY / EXT-X-SESSION-KEY). */
  hlsMedia?: string;
  hlsMaster?: string;
}

/** The answer to a key request: a key for every requested ID, and what the provider said per system. */
export interface KeySet {
  keys: Map<string, ContentKey>;
  systems: SystemData[];
}

/** The check value of a key: HMAC-SHA-256 of its ID under the key, 16 hex digits. */
export function keyCheck(kid: string, key: Buffer): string {
  return createHmac('sha256', key).update(`ingest-station key check ${kid.toLowerCase()}`).digest('hex').slice(0, 16);
}

/** The 16 bytes of a UUID key ID. */
export function kidBytes(kid: string): Buffer {
  const hex = kid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new DrmError(`"${kid}" is not a key ID (a UUID)`);
  return Buffer.from(hex, 'hex');
}

/** A key ID as a lower-case UUID from 16 bytes (or any UUID spelling). */
export function kidString(kid: Buffer | string): string {
  const hex = (typeof kid === 'string' ? kidBytes(kid) : kid).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
