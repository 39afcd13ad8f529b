/**
 * How players learn that a package is protected and which key and DRM system to ask for — pure
 * functions the playlist and DASH writers call per track (one key ID each):
 *
 * - HLS (RFC 8216bis §4.4.4.4, Apple's FairPlay Streaming spec): per system an `EXT-X-KEY` in the
 *   media playlist after EXT-X-MAP and an `EXT-X-SESSION-KEY` in the master. FairPlay:
 *   `METHOD=SAMPLE-AES`, `KEYFORMAT="com.apple.streamingkeydelivery"`, an `skd://` URI — cbcs only
 *   (FairPlay has no CTR mode). Widevine: `KEYFORMAT="urn:uuid:edef8ba9-…"`, the pssh box as a
 *   `data:text/plain;base64,` URI. PlayReady: `KEYFORMAT="com.microsoft.playready"`, the PlayReady
 *   Object as a `data:text/plain;charset=UTF-16;base64,` URI. `SAMPLE-AES-CTR` for cenc.
 * - DASH (ISO/IEC 23009-1 §5.8.5.2, DASH-IF IOP): `urn:mpeg:dash:mp4protection:2011` with the scheme
 *   and `cenc:default_KID`, then per system a ContentProtection with `cenc:pssh` (PlayReady also
 *   `mspr:pro`).
 *
 * What a SPEKE provider answered for a system (HLSSignalingData, ContentProtectionData) is used as
 * given; the station's own signalling is written only where the provider gave none.
 */
import { SYSTEM_IDS, DrmError, type DrmScheme, type DrmSystem, type SystemData } from './keys.js';

export const FAIRPLAY_KEYFORMAT = 'com.apple.streamingkeydelivery';
export const PLAYREADY_KEYFORMAT = 'com.microsoft.playready';

/** The namespaces an MPD needs for the ContentProtection elements below. */
export const DASH_DRM_NAMESPACES = 'xmlns:cenc="urn:mpeg:cenc:2013" xmlns:mspr="urn:microsoft:playready"';

export interface TrackSignalling {
  scheme: DrmScheme;
  systems: DrmSystem[];
  kid: string;
  /** Complete pssh boxes for the systems that have one (the provider's or the station's). */
  pssh: Partial<Record<'widevine' | 'playready', Buffer>>;
  /** FairPlay key URI; default `skd://<key ID>`. */
  skdUri?: string;
  /** What the provider answered for this key, per system. */
  provided?: SystemData[];
}

/** The data of a pssh box (after its header, system ID, key IDs and size field). */
export function psshData(box: Buffer): Buffer {
  const version = box[8]!;
  let p = 8 + 4 + 16;
  if (version > 0) p += 4 + 16 * box.readUInt32BE(p);
  const size = box.readUInt32BE(p);
  return box.subarray(p + 4, p + 4 + size);
}

const kidHex = (kid: string): string => kid.replace(/-/g, '').toLowerCase();

function hlsAttributes(t: TrackSignalling, system: DrmSystem): string | undefined {
  const method = t.scheme === 'cbcs' ? 'SAMPLE-AES' : 'SAMPLE-AES-CTR';
  if (system === 'fairplay') {
    if (t.scheme !== 'cbcs')
      throw new DrmError('FairPlay plays only cbcs: choose the cbcs scheme or leave FairPlay out', 'drm-config');
    return `METHOD=${method},URI="${t.skdUri ?? `skd://${t.kid}`}",KEYFORMAT="${FAIRPLAY_KEYFORMAT}",KEYFORMATVERSIONS="1"`;
  }
  const box = t.pssh[system];
  if (!box) return undefined;
  if (system === 'widevine')
    return `METHOD=${method},URI="data:text/plain;base64,${box.toString('base64')}",KEYID=0x${kidHex(t.kid)},KEYFORMAT="urn:uuid:${SYSTEM_IDS.widevine}",KEYFORMATVERSIONS="1"`;
  return `METHOD=${method},URI="data:text/plain;charset=UTF-16;base64,${psshData(box).toString('base64')}",KEYFORMAT="${PLAYREADY_KEYFORMAT}",KEYFORMATVERSIONS="1"`;
}

function hlsTags(t: TrackSignalling, tag: 'EXT-X-KEY' | 'EXT-X-SESSION-KEY'): string[] {
  const lines: string[] = [];
  for (const system of t.systems) {
    const given = t.provided?.find((p) => p.system === system && p.kid === t.kid);
    const line = tag === 'EXT-X-KEY' ? given?.hlsMedia : given?.hlsMaster;
    if (line?.trim()) {
      lines.push(...line.trim().split(/\r?\n/));
      continue;
    }
    const attrs = hlsAttributes(t, system);
    if (attrs) lines.push(`#${tag}:${attrs}`);
  }
  return lines;
}

/** The EXT-X-KEY lines of a media playlist (after EXT-X-MAP, before the first segment). */
export const hlsMediaKeyTags = (t: TrackSignalling): string[] => hlsTags(t, 'EXT-X-KEY');

/** The EXT-X-SESSION-KEY lines of the master playlist for this track's key (the writer removes duplicates). */
export const hlsSessionKeyTags = (t: TrackSignalling): string[] => hlsTags(t, 'EXT-X-SESSION-KEY');

const attr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The ContentProtection elements of one AdaptationSet (one key ID). */
export function dashContentProtection(t: TrackSignalling): string[] {
  const out = [
    `<ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="${t.scheme}" cenc:default_KID="${attr(t.kid)}"/>`,
  ];
  for (const system of t.systems) {
    if (system === 'fairplay') continue;
    const given = t.provided?.find((p) => p.system === system && p.kid === t.kid)?.contentProtectionData?.trim();
    const box = t.pssh[system];
    const inner = given
      ? given
      : box
        ? `<cenc:pssh>${box.toString('base64')}</cenc:pssh>${system === 'playready' ? `<mspr:pro>${psshData(box).toString('base64')}</mspr:pro>` : ''}`
        : undefined;
    if (!inner) continue;
    const value = system === 'widevine' ? 'Widevine' : 'MSPR 2.0';
    out.push(
      `<ContentProtection schemeIdUri="urn:uuid:${SYSTEM_IDS[system]}" value="${value}">${inner}</ContentProtection>`,
    );
  }
  return out;
}
