/**
 * One DRM title's package, as verify builds it: each proven chunk encrypted (and decrypted back, the
 * clear bytes compared, before the uploads can see it), the init segments protected once every chunk
 * is proven, and the key signalling the playlist and DASH writers put in (drm/signalling.ts).
 *
 * The init segments stay clear in the package while chunks are verified (each chunk is decoded
 * behind its clear init); `protectInits` swaps in the protected ones just before the playlists and
 * the manifest are written. Every step is deterministic (TitleEncryptor), so a kill at any moment
 * is finished by doing the same again: a protected init on disk is turned back into its clear bytes
 * (checked against the journal's hash) whenever the clear init is needed.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ManifestFile } from '../../common/manifest.js';
import type { ChunkJournal } from '../package/chunk-journal.js';
import { writeWhole } from '../package/package-files.js';
import type { TranscodePlan } from '../plan/plan.js';
import { audioDir } from '../package/audio-encoder.js';
import { unprotectInit } from './cenc.js';
import { DrmError, periodOf } from './keys.js';
import { DASH_DRM_NAMESPACES, dashContentProtection, hlsMediaKeyTags, hlsSessionKeyTags } from './signalling.js';
import type { RenditionInfo, TitleEncryptor } from './title-encryptor.js';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

/** What the manifest says of a DRM package (never a key). */
export interface DrmManifestSection {
  method: 'cenc';
  scheme: 'cbcs' | 'cenc';
  systems: Array<'widevine' | 'playready' | 'fairplay'>;
  keys: Array<{ kid: string; trackType: 'audio' | 'sd' | 'hd' | 'all'; period: number }>;
  clearLead?: number;
  rotateEvery?: number;
}

export class PackageDrm {
  private readonly infos = new Map<string, RenditionInfo>();
  private readonly clearInits = new Map<string, Promise<Buffer>>();

  constructor(
    readonly encryptor: TitleEncryptor,
    private readonly plan: TranscodePlan,
    private readonly journal: ChunkJournal,
    private readonly packageDir: string,
  ) {
    for (const r of plan.rungs) this.infos.set(r.name, { name: r.name, kind: 'video', height: r.height });
    for (const a of plan.audio) this.infos.set(audioDir(a), { name: audioDir(a), kind: 'audio' });
  }

  /** The rendition of a journal folder ("720p", "audio/aac-en"); subtitles are not DRM'd. */
  info(r: string): RenditionInfo | undefined {
    return this.infos.get(r);
  }

  /** A rendition's clear init segment: from the package, turned back if already protected, checked against the journal. */
  clearInit(r: string): Promise<Buffer> {
    let p = this.clearInits.get(r);
    if (!p) {
      p = (async () => {
        const rec = this.journal.inits.get(r);
        if (!rec?.path) throw new DrmError(`the rendition ${r} has no init segment in the journal`, 'drm-init');
        const disk = await readFile(join(this.packageDir, rec.path));
        const clear = sha256(disk) === rec.sha256 ? disk : unprotectInit(disk);
        if (sha256(clear) !== rec.sha256)
          throw new DrmError(
            `${rec.path} is neither the init segment the encoder wrote nor its protected form: encode the title again`,
            'drm-init',
          );
        return clear;
      })();
      this.clearInits.set(r, p);
      p.catch(() => this.clearInits.delete(r));
    }
    return p;
  }

  /**
   * One proven chunk encrypted, then decrypted with its key behind the protected init and compared
   * with the clear bytes verify decoded: a chunk the origin may take always opens to what was proven.
   */
  async encryptChunk(
    r: string,
    index: number,
    clear: Buffer,
    clearSha256: string,
  ): Promise<{ bytes: Buffer; keyId?: string; iv?: string }> {
    const info = this.info(r);
    if (!info) throw new DrmError(`the rendition ${r} is not in the plan`, 'drm-init');
    const init = await this.clearInit(r);
    const e = this.encryptor.chunk(info, init, index, clear, clearSha256);
    if (e.kid) {
      const back = this.encryptor.decrypt(this.encryptor.init(info, init), e.bytes);
      if (sha256(back) !== clearSha256)
        throw new DrmError(
          `${r} segment ${index} does not decrypt back to the bytes verify proved (key ID ${e.kid}): the encryptor is wrong, nothing was published`,
          'drm-roundtrip',
        );
    }
    return { bytes: e.bytes, ...(e.kid ? { keyId: e.kid } : {}), ...(e.iv ? { iv: e.iv } : {}) };
  }

  /**
   * Every init segment protected in place (tenc, pssh); returns their manifest entries with the
   * clear init's size and hash beside the protected one's.
   */
  async protectInits(): Promise<ManifestFile[]> {
    const out: ManifestFile[] = [];
    for (const [r, rec] of this.journal.inits) {
      const info = this.info(r);
      if (!info || !rec.path) continue;
      const clear = await this.clearInit(r);
      const bytes = this.encryptor.init(info, clear);
      const file = join(this.packageDir, rec.path);
      const disk = await readFile(file).catch(() => undefined);
      if (!disk || !disk.equals(bytes)) await writeWhole(file, bytes, 'encrypting');
      out.push({
        path: rec.path,
        size: bytes.length,
        md5: md5(bytes),
        sha256: sha256(bytes),
        rendition: r,
        kind: 'init-segment',
        clear: { size: clear.length, sha256: rec.sha256 },
        keyId: this.encryptor.crypto(info).kid,
      });
    }
    return out;
  }

  /** The EXT-X-KEY lines before chunk `index` of a rendition: at the first chunk and where a key period starts. */
  mediaKeyTags(r: string, index: number): string[] {
    const info = this.info(r);
    if (!info) return [];
    const o = this.encryptor.plan.options;
    const lead = o.clearLead ?? 0;
    if (index < lead) return [];
    const p = periodOf(o, index);
    if (index !== lead && p === periodOf(o, index - 1)) return [];
    return hlsMediaKeyTags(this.encryptor.signalling(info, p));
  }

  /**
   * The master playlist's EXT-X-SESSION-KEY lines: every key of the title, each once. HLS allows one
   * tag per METHOD, URI, IV, KEYFORMAT and KEYFORMATVERSIONS: a Widevine pssh naming every key ID of
   * the title is the same URI for each key, so it is written once.
   */
  sessionKeyTags(): string[] {
    const lines = new Map<string, string>();
    const periods = new Set(this.encryptor.plan.slots.map((s) => s.period));
    for (const info of this.infos.values())
      for (const p of periods)
        for (const l of hlsSessionKeyTags(this.encryptor.signalling(info, p))) {
          const identity = l.replace(/,KEYID=0x[0-9a-fA-F]+/, '');
          if (!lines.has(identity)) lines.set(identity, l);
        }
    return [...lines.values()];
  }

  /** The ContentProtection elements of the AdaptationSet a rendition is in. */
  contentProtection(r: string): string[] {
    const info = this.info(r);
    return info ? dashContentProtection(this.encryptor.signalling(info, 0)) : [];
  }

  /** Which AdaptationSet a video rung belongs to: one per key (SD and HD apart). */
  adaptationKey(r: string): string {
    const info = this.info(r);
    return info ? this.encryptor.crypto(info).kid : '';
  }

  readonly dashNamespaces = DASH_DRM_NAMESPACES;

  /** The manifest's `encryption` section. */
  manifestSection(): DrmManifestSection {
    const o = this.encryptor.plan.options;
    return {
      method: 'cenc',
      scheme: o.scheme,
      systems: [...o.systems],
      keys: this.encryptor.plan.slots.map((s) => ({
        kid: s.kid,
        trackType: o.trackKeys === 'single' ? 'all' : s.trackType,
        period: s.period,
      })),
      ...(o.clearLead ? { clearLead: o.clearLead } : {}),
      ...(o.rotateEvery ? { rotateEvery: o.rotateEvery } : {}),
    };
  }
}
