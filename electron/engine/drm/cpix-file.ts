/**
 * CPIX file key provider: the platform hands over one CPIX document per title (keys in clear, or
 * encrypted to the station's certificate). The document names the key IDs, so the title's key plan
 * is read from it — each key's track type from its usage rule (intendedTrackType, else its audio or
 * video filter) and its key period from its KeyPeriodFilter — and every key the plan needs must be
 * in it. Read with a size cap; never written back.
 */
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { CPIX_MAX_BYTES, SD_MAX_PIXELS, parseCpix, type CpixUsageRule, type ParsedCpix } from './cpix.js';
import { DrmError, type DrmOptions, type KeyPlan, type KeySet, type KeySlot, type TrackType } from './keys.js';
import type { KeyProvider } from './key-provider.js';

export interface CpixFileOptions {
  file: string;
  privateKeyPem?: string;
  maxBytes?: number;
}

function trackTypeOfRule(r: CpixUsageRule): TrackType | 'all' | undefined {
  const t = r.intendedTrackType?.toUpperCase();
  if (t === 'ALL') return 'all';
  if (t?.includes('AUDIO')) return 'audio';
  if (t === 'SD') return 'sd';
  if (t === 'HD' || t === 'UHD' || t?.startsWith('UHD')) return 'hd';
  if (r.audio) return 'audio';
  if (r.video) return (r.video.maxPixels ?? Infinity) <= SD_MAX_PIXELS ? 'sd' : 'hd';
  return undefined;
}

export class CpixFileProvider implements KeyProvider {
  readonly label: string;
  private doc: Promise<ParsedCpix> | undefined;

  constructor(private readonly o: CpixFileOptions) {
    this.label = `CPIX file ${basename(o.file)}`;
  }

  private read(): Promise<ParsedCpix> {
    this.doc ??= (async () => {
      const max = this.o.maxBytes ?? CPIX_MAX_BYTES;
      const fh = await open(this.o.file, 'r').catch((e: NodeJS.ErrnoException) => {
        throw new DrmError(`${this.label} cannot be read (${e.code ?? e.message})`, 'drm-unreachable');
      });
      try {
        // One byte more than allowed tells an oversized file from one exactly at the cap.
        const buf = Buffer.alloc(max + 1);
        const { bytesRead } = await fh.read(buf, 0, max + 1, 0);
        if (bytesRead > max) throw new DrmError(`${this.label} is larger than ${max} bytes`, 'drm-size');
        return parseCpix(buf.subarray(0, bytesRead).toString('utf8'), {
          maxBytes: max,
          ...(this.o.privateKeyPem ? { privateKeyPem: this.o.privateKeyPem } : {}),
        });
      } catch (err) {
        if (err instanceof DrmError && !err.message.startsWith(this.label))
          throw new DrmError(`${this.label} is a document that ${err.message}`, err.code);
        throw err;
      } finally {
        await fh.close();
      }
    })();
    return this.doc;
  }

  async plan(options: DrmOptions, contentId: string): Promise<KeyPlan> {
    const doc = await this.read();
    const periodIndex = new Map(doc.periods.map((p) => [p.id, p.index]));
    const slots: KeySlot[] = [];
    const ruled = new Set<string>();
    for (const r of doc.rules) {
      const type = trackTypeOfRule(r);
      if (!type) continue;
      ruled.add(r.kid);
      const period = r.periodIds.length ? (periodIndex.get(r.periodIds[0]!) ?? 0) : 0;
      for (const t of type === 'all' ? (['audio', 'sd', 'hd'] as const) : [type])
        slots.push({ kid: r.kid, trackType: t, period });
    }
    // A document with one key and no rules: that key protects everything.
    if (slots.length === 0 && doc.keys.length === 1)
      for (const t of ['audio', 'sd', 'hd'] as const) slots.push({ kid: doc.keys[0]!.kid, trackType: t, period: 0 });
    const trackKeys = new Set(slots.map((s) => s.kid)).size === 1 ? 'single' : options.trackKeys;
    const need: TrackType[] = trackKeys === 'single' ? ['hd'] : ['audio', 'sd', 'hd'];
    for (const t of need)
      if (!slots.some((s) => s.trackType === t && s.period === 0))
        throw new DrmError(`${this.label} has no key for ${t} tracks (its usage rules name none)`, 'drm-missing');
    const kept = trackKeys === 'single' ? slots.filter((s) => s.trackType === 'hd') : slots;
    return { options: { ...options, trackKeys }, contentId: doc.contentId ?? contentId, slots: kept };
  }

  async fetch(plan: KeyPlan): Promise<KeySet> {
    const doc = await this.read();
    const keys = new Map<string, { kid: string; key: Buffer; iv?: Buffer }>();
    for (const k of doc.keys) {
      if (k.encrypted)
        throw new DrmError(
          `${this.label} encrypts key ${k.kid} to a certificate the station has no private key for`,
          'drm-encrypted',
        );
      if (k.key) keys.set(k.kid, { kid: k.kid, key: k.key, ...(k.explicitIv ? { iv: k.explicitIv } : {}) });
    }
    const wanted = new Set(plan.slots.map((s) => s.kid));
    return { keys, systems: doc.systems.filter((s) => wanted.has(s.kid)) };
  }
}
