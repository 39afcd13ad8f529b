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
  clearFragment,
  decryptFragment,
  encryptFragment,
  protectInit,
  trackSetup,
  type TrackCrypto,
  type TrackSetup,
} from './cenc.js';
import { stationPssh } from './pssh.js';
import type { TrackSignalling } from './signalling.js';
import { DrmError, periodOf, slotFor, trackTypeOf, type KeyPlan, type KeySet, type TrackType } from './keys.js';

export { periodOf };

export interface RenditionInfo {
  /** Rendition folder, as in the chunk journal ("720p", "audio/aac-fr"). */
  name: string;
  kind: 'video' | 'audio';
  /** Picture height (video). */
  height?: number;
}

export interface EncryptedChunk {
  bytes: Buffer;
  /** Absent for a clear-lead chunk. */
  kid?: string;
  /** cenc: the chunk's 8-byte IV, hex (for the journal and manifest); cbcs: absent (the track's constant IV). */
  iv?: string;
}

export class TitleEncryptor {
  private readonly allKids: string[];
  /** Each rendition's codec setup, read once from its clear init. */
  private readonly setups = new Map<string, TrackSetup>();

  constructor(
    readonly plan: KeyPlan,
    private readonly keys: KeySet,
  ) {
    this.allKids = [...new Set(plan.slots.map((s) => s.kid))];
  }

  trackType(r: RenditionInfo): TrackType {
    return trackTypeOf(r);
  }

  /** The key, key ID and IV setup of a rendition's chunk `index` (its key period's key). */
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

  /** The pssh boxes of a rendition's key in a period: the provider's if it sent them, else the station's. */
  pssh(r: RenditionInfo, period = 0): Partial<Record<'widevine' | 'playready', Buffer>> {
    const c = this.crypto(r, this.firstIndexOf(period));
    const own = stationPssh({ kid: c.kid, key: c.key }, this.allKids, c.scheme, this.plan.options.systems);
    const given = (system: 'widevine' | 'playready'): Buffer | undefined =>
      this.keys.systems.find((s) => s.system === system && s.kid === c.kid)?.pssh ?? own[system];
    const out: Partial<Record<'widevine' | 'playready', Buffer>> = {};
    for (const s of ['playready', 'widevine'] as const)
      if (this.plan.options.systems.includes(s) && given(s)) out[s] = given(s)!;
    return out;
  }

  private setupOf(r: RenditionInfo, clearInit: Uint8Array): TrackSetup {
    let s = this.setups.get(r.name);
    if (!s) this.setups.set(r.name, (s = trackSetup(clearInit)));
    return s;
  }

  /** The first segment index of a key period. */
  private firstIndexOf(period: number): number {
    return period * (this.plan.options.rotateEvery ?? 0);
  }

  /** The rendition's init segment, protected (the same bytes every time); its tenc names period 0's key. */
  init(r: RenditionInfo, clearInit: Uint8Array): Buffer {
    return protectInit(clearInit, this.crypto(r), Object.values(this.pssh(r)), (this.plan.options.clearLead ?? 0) > 0);
  }

  /**
   * One chunk encrypted; `clearSha256` is the clear chunk's hash verify already computed. The first
   * `clearLead` chunks (0 unless the operator set it) stay clear, marked so in the fragment.
   */
  chunk(
    r: RenditionInfo,
    clearInit: Uint8Array,
    index: number,
    clear: Uint8Array,
    clearSha256: string,
  ): EncryptedChunk {
    if (index < (this.plan.options.clearLead ?? 0)) return { bytes: clearFragment(clear) };
    const c = this.crypto(r, index);
    const iv = c.scheme === 'cenc' ? cencChunkIv(c.key, r.name, index, clearSha256) : undefined;
    // A later key period's chunk names its key in a seig sample group (the init names period 0's).
    const seig = c.kid !== this.crypto(r, 0).kid;
    return {
      bytes: encryptFragment(clear, this.setupOf(r, clearInit), c, { ...(iv ? { iv } : {}), seig }),
      kid: c.kid,
      ...(iv ? { iv: iv.toString('hex') } : {}),
    };
  }

  /** The clear chunk back (verify's round trip; the QC player and audit decode through it). */
  decrypt(protectedInit: Uint8Array, encrypted: Uint8Array): Buffer {
    return decryptFragment(encrypted, protectedInit, (kid) => this.keys.keys.get(kid)?.key);
  }

  /**
   * What the playlist and DASH writers need for this rendition in a key period (drm/signalling.ts):
   * with rotation, HLS writes each period's EXT-X-KEY tags before its first segment; DASH signals
   * period 0's key ID as default_KID and the fragments name the others (seig).
   */
  signalling(r: RenditionInfo, period = 0, skdUri?: string): TrackSignalling {
    const c = this.crypto(r, this.firstIndexOf(period));
    return {
      scheme: c.scheme,
      systems: this.plan.options.systems,
      kid: c.kid,
      pssh: this.pssh(r, period),
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
