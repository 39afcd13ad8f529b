/**
 * AES-128 (RFC 8216 §4.3.2.4): each media segment encrypted whole, AES-128-CBC with PKCS7 padding,
 * with its own random IV written in the playlist — done here, after verify, because ffmpeg 5.1
 * refuses encrypted fMP4. Init segments and subtitles stay clear (EXT-X-MAP comes before EXT-X-KEY,
 * the most compatible form). Keys rotate every N segments when asked.
 *
 * Keys never leave the station except as its export for the key server: one file per title and
 * version in the keys folder (owner-only permissions), `<titleId>--<version>.keys.json`, and the same
 * keys as a DASH-IF CPIX document beside it. Nothing here writes to a destination.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { safeFileName } from '../../common/title.js';
import { KeyedMutex } from '../util/keyed-mutex.js';

export interface ContentKey {
  /** UUID: the {keyId} of the key URI template, and the CPIX kid. */
  keyId: string;
  /** 16 bytes, hex. */
  key: string;
  /** First segment index this key encrypts. */
  fromSegment: number;
}

export interface KeyFile {
  titleId: string;
  version: string;
  jobId: string;
  keyUri: string;
  rotateEvery: number;
  keys: ContentKey[];
  createdAt: string;
}

export interface KeyContext {
  titleId: string;
  version: string;
  jobId: string;
  keyUri: string;
  rotateEvery: number;
}

export function encryptSegment(clear: Uint8Array, keyHex: string, ivHex: string): Buffer {
  const c = createCipheriv('aes-128-cbc', Buffer.from(keyHex, 'hex'), Buffer.from(ivHex, 'hex'));
  return Buffer.concat([c.update(clear), c.final()]);
}

export function decryptSegment(encrypted: Uint8Array, keyHex: string, ivHex: string): Buffer {
  const d = createDecipheriv('aes-128-cbc', Buffer.from(keyHex, 'hex'), Buffer.from(ivHex, 'hex'));
  return Buffer.concat([d.update(encrypted), d.final()]);
}

export const newIv = (): string => randomBytes(16).toString('hex');

/** The key URI of a key: the template's {keyId} filled in. */
export function keyUri(template: string, keyId: string): string {
  return template.replace(/\{keyId\}/g, keyId);
}

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The keys as a DASH-IF CPIX 2.3 document: content keys in clear (PSKC), one key period per rotation. */
export function cpixDocument(f: KeyFile): string {
  const periods = f.keys.map((k, i) => `    <cpix:ContentKeyPeriod id="period-${i}" index="${i}"/>`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<cpix:CPIX xmlns:cpix="urn:dashif:org:cpix" xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc" contentId="${xml(`${f.titleId}/${f.version}`)}" version="2.3">`,
    '  <cpix:ContentKeyList>',
    ...f.keys.map(
      (k) =>
        `    <cpix:ContentKey kid="${k.keyId}"><cpix:Data><pskc:Secret><pskc:PlainValue>${Buffer.from(k.key, 'hex').toString('base64')}</pskc:PlainValue></pskc:Secret></cpix:Data></cpix:ContentKey>`,
    ),
    '  </cpix:ContentKeyList>',
    '  <cpix:ContentKeyPeriodList>',
    ...periods,
    '  </cpix:ContentKeyPeriodList>',
    '  <cpix:ContentKeyUsageRuleList>',
    ...f.keys.map(
      (k, i) =>
        `    <cpix:ContentKeyUsageRule kid="${k.keyId}"><cpix:KeyPeriodFilter periodId="period-${i}"/></cpix:ContentKeyUsageRule>`,
    ),
    '  </cpix:ContentKeyUsageRuleList>',
    '</cpix:CPIX>',
    '',
  ].join('\n');
}

export class KeyStore {
  private readonly cache = new Map<string, Promise<KeyFile | undefined>>();
  private readonly lock = new KeyedMutex();

  constructor(readonly dir: string) {}

  /** `<dir>/<titleId>--<version>.keys.json` (the title ID made safe as a file name). */
  fileFor(titleId: string, version: string): string {
    return join(this.dir, `${safeFileName(titleId)}--${version}.keys.json`);
  }

  async load(titleId: string, version: string): Promise<KeyFile | undefined> {
    const path = this.fileFor(titleId, version);
    let p = this.cache.get(path);
    if (!p) {
      p = readFile(path, 'utf8').then(
        (t) => JSON.parse(t) as KeyFile,
        () => undefined,
      );
      this.cache.set(path, p);
    }
    return p;
  }

  /** The key that encrypts segment `index` (made and written, owner-only, before it is first used). */
  async keyFor(ctx: KeyContext, index: number): Promise<ContentKey> {
    // One at a time per title: chunks verified side by side must not each make the same period's key.
    return this.lock.run(this.fileFor(ctx.titleId, ctx.version), () => this.keyForLocked(ctx, index));
  }

  private async keyForLocked(ctx: KeyContext, index: number): Promise<ContentKey> {
    const period = ctx.rotateEvery > 0 ? Math.floor(index / ctx.rotateEvery) : 0;
    const known = await this.load(ctx.titleId, ctx.version);
    if (known && known.keys.length > period) return known.keys[period]!;
    const file: KeyFile = known
      ? { ...known, keys: [...known.keys] }
      : { ...ctx, keys: [], createdAt: new Date().toISOString() };
    while (file.keys.length <= period)
      file.keys.push({
        keyId: randomUUID(),
        key: randomBytes(16).toString('hex'),
        fromSegment: file.keys.length * Math.max(1, ctx.rotateEvery),
      });
    await this.save(file);
    return file.keys[period]!;
  }

  async byId(titleId: string, version: string, keyId: string): Promise<ContentKey | undefined> {
    return (await this.load(titleId, version))?.keys.find((k) => k.keyId === keyId);
  }

  /** A key by its id alone, from any title's key file in the folder (verify of a package on disk). */
  async find(keyId: string): Promise<ContentKey | undefined> {
    for (const f of (await readdir(this.dir).catch(() => [] as string[])).filter((n) => n.endsWith('.keys.json'))) {
      const file = JSON.parse(await readFile(join(this.dir, f), 'utf8').catch(() => '{}')) as Partial<KeyFile>;
      const key = file.keys?.find((k) => k.keyId === keyId);
      if (key) return key;
    }
    return undefined;
  }

  private async save(file: KeyFile): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700).catch(() => undefined);
    const path = this.fileFor(file.titleId, file.version);
    await writeFileAtomic(path, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
    await writeFileAtomic(path.replace(/\.keys\.json$/, '.cpix.xml'), cpixDocument(file), { mode: 0o600 });
    this.cache.set(path, Promise.resolve(file));
  }
}
