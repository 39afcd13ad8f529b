/**
 * One title's encryption, as the streamed stages will use it: built once from the key plan and the
 * provider's answer (drm/key-provider.ts), then asked per rendition for its protected init segment
 * and per chunk for its encrypted bytes — in any order, one chunk at a time, from any stage that
 * holds the title (verify encrypts, the QC player and audit decrypt).
 *
 * It decides, in one place: which key protects a rendition (its track type: audio, SD ≤ 576 lines,
 * HD), which pssh boxes its init carries (the provider's when it sent them, else the station's), the
 * cbcs constant IV (the provider's explicit IV, else derived from the key ID) and the cenc IV of each
 * chunk (derived from the key, the rendition, the index and the clear bytes' hash) — all
 * deterministic, so a resumed run makes the same init and the same chunks.
 */
import {
  cbcsIv,
  cencChunkIv,
  decryptFragment,
  encryptFragment,
  protectInit,
  trackSetup,
  type TrackCrypto,
} from './cenc.js';
import { stationPssh } from './pssh.js';
import type { TrackSignalling } from './signalling.js';
import { DrmError, periodOf, slotFor, trackTypeOf, type KeyPlan, type KeySet, type TrackType } from './keys.js';

export interface RenditionInfo {
  /** Rendition folder, as in the chunk journal ("720p", "audio/aac-fr"). */
  name: string;
  kind: 'video' | 'audio';
  /** Picture height (video). */
  height?: number;
}

export interface EncryptedChunk {
  bytes: Buffer;
  kid: string;
  /** cenc: the chunk's 8-byte IV, hex (for the journal and manifest); cbcs: absent (the track's constant IV). */
  iv?: string;
}

export class TitleEncryptor {
  private readonly allKids: string[];

  constructor(
    readonly plan: KeyPlan,
    private readonly keys: KeySet,
  ) {
    if ((plan.options.rotateEvery ?? 0) > 0)
      throw new DrmError(
        'key rotation inside a rendition needs per-fragment key IDs (seig sample groups), which this encryptor does not write yet: deliver with one key per track type',
        'drm-rotation',
      );
    this.allKids = [...new Set(plan.slots.map((s) => s.kid))];
  }

  trackType(r: RenditionInfo): TrackType {
    return trackTypeOf(r);
  }

  /** The key, key ID and IV setup of a rendition (period 0: no rotation yet). */
  crypto(r: RenditionInfo, index = 0): TrackCrypto {
    const slot = slotFor(this.plan, this.trackType(r), periodOf(this.plan.options, index));
    const k = this.keys.keys.get(slot.kid);
    if (!k) throw new DrmError(`no key was fetched for key ID ${slot.kid}`, 'drm-missing');
    return {
      scheme: this.plan.options.scheme,
      kid: slot.kid,
      key: k.key,
      ...(this.plan.options.scheme === 'cbcs' ? { constantIv: cbcsIv(slot.kid, k.iv) } : {}),
    };
  }

  /** The pssh boxes of a rendition's key: the provider's if it sent them, else the station's. */
  pssh(r: RenditionInfo): Partial<Record<'widevine' | 'playready', Buffer>> {
    const c = this.crypto(r);
    const own = stationPssh({ kid: c.kid, key: c.key }, this.allKids, c.scheme, this.plan.options.systems);
    const given = (system: 'widevine' | 'playready'): Buffer | undefined =>
      this.keys.systems.find((s) => s.system === system && s.kid === c.kid)?.pssh ?? own[system];
    const out: Partial<Record<'widevine' | 'playready', Buffer>> = {};
    for (const s of ['playready', 'widevine'] as const)
      if (this.plan.options.systems.includes(s) && given(s)) out[s] = given(s)!;
    return out;
  }

  /** The rendition's init segment, protected (the same bytes every time). */
  init(r: RenditionInfo, clearInit: Uint8Array): Buffer {
    return protectInit(clearInit, this.crypto(r), Object.values(this.pssh(r)));
  }

  /** One chunk encrypted; `clearSha256` is the clear chunk's hash verify already computed. */
  chunk(
    r: RenditionInfo,
    clearInit: Uint8Array,
    index: number,
    clear: Uint8Array,
    clearSha256: string,
  ): EncryptedChunk {
    const c = this.crypto(r, index);
    const iv = c.scheme === 'cenc' ? cencChunkIv(c.key, r.name, index, clearSha256) : undefined;
    return {
      bytes: encryptFragment(clear, trackSetup(clearInit), c, iv ? { iv } : {}),
      kid: c.kid,
      ...(iv ? { iv: iv.toString('hex') } : {}),
    };
  }

  /** The clear chunk back (verify's round trip; the QC player and audit decode through it). */
  decrypt(r: RenditionInfo, protectedInit: Uint8Array, encrypted: Uint8Array, index = 0): Buffer {
    return decryptFragment(encrypted, protectedInit, this.crypto(r, index).key);
  }

  /** What the playlist and DASH writers need for this rendition (drm/signalling.ts). */
  signalling(r: RenditionInfo, skdUri?: string): TrackSignalling {
    const c = this.crypto(r);
    return {
      scheme: c.scheme,
      systems: this.plan.options.systems,
      kid: c.kid,
      pssh: this.pssh(r),
      ...(skdUri ? { skdUri } : {}),
      provided: this.keys.systems.filter((s) => s.kid === c.kid),
    };
  }

  /** Key IDs and key bytes (hex) for the local QC player's ClearKey configuration — never written to disk. */
  clearKeysForPlayer(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [kid, k] of this.keys.keys) out[kid.replace(/-/g, '')] = k.key.toString('hex');
    return out;
  }
}
