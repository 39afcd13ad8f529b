/**
 * `verify` proves a DRM package through its keys (issue #25 item 6): the built CLI transcodes a tiny
 * 360p master into a cbcs package with keys from a CPIX document (and one with the station's own
 * sealed local keys), then `verify --keys` decrypts every encrypted segment with the key of its key
 * ID, checks the clear bytes against the manifest and decodes every frame. Proven: a good package
 * passes through the keys (a CPIX file, or the station's local keys by default); without keys it
 * says it was proven by hash only and how to give them; the wrong keys fail with a sentence naming
 * the segment and the key ID; a segment altered inside a sample at the same size fails naming it —
 * even when the manifest was re-hashed over the altered bytes, which size and hash cannot catch; a
 * key the document lacks is named by its ID; and no key bytes appear in any output.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DeleteObjectCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3DestinationConfig } from '../../electron/common/config';
import { randomBytes, randomUUID, createHash } from 'node:crypto';
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditRecord, Manifest } from '../../electron/common/manifest';
import { fileKeySeal, openLocalKeys } from '../../electron/engine/drm/local-keys';
import { CLI_ENV, runCli, type CliRun } from '../helpers/cli';
import { makeMaster } from '../helpers/masters';
import { drmStation } from '../helpers/drm-ingest';
import { listKeys } from '../helpers/s3';
import { tempDir } from '../helpers/station';

async function getBytes(d: { cfg: S3DestinationConfig; client: S3Client }, key: string): Promise<Buffer> {
  const got = await d.client.send(new GetObjectCommand({ Bucket: d.cfg.bucket, Key: key }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

let dir: string;
let pkg: string;
let local: string;
/** Every key this test made or the station made: none may appear in any output. */
const secrets: Buffer[] = [];
const outputs: CliRun[] = [];
const kids = { audio: randomUUID(), sd: randomUUID(), hd: randomUUID() };
const keys = { audio: randomBytes(16), sd: randomBytes(16), hd: randomBytes(16) };

/** A CPIX document with these keys in clear and a usage rule per track type. */
function cpix(k: Record<keyof typeof kids, Buffer>, ids: Record<keyof typeof kids, string> = kids): string {
  const types = ['audio', 'sd', 'hd'] as const;
  const name = { audio: 'AUDIO', sd: 'SD', hd: 'HD' };
  return `<?xml version="1.0" encoding="UTF-8"?><cpix:CPIX xmlns:cpix="urn:dashif:org:cpix" xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc" contentId="drm-verify" version="2.3"><cpix:ContentKeyList>${types
    .map(
      (t) =>
        `<cpix:ContentKey kid="${ids[t]}" commonEncryptionScheme="cbcs"><cpix:Data><pskc:Secret><pskc:PlainValue>${k[t].toString('base64')}</pskc:PlainValue></pskc:Secret></cpix:Data></cpix:ContentKey>`,
    )
    .join(
      '',
    )}</cpix:ContentKeyList><cpix:ContentKeyUsageRuleList>${types.map((t) => `<cpix:ContentKeyUsageRule kid="${ids[t]}" intendedTrackType="${name[t]}"/>`).join('')}</cpix:ContentKeyUsageRuleList></cpix:CPIX>`;
}

async function cli(args: string[]): Promise<CliRun> {
  const r = await runCli(args, dir);
  outputs.push(r);
  return r;
}

/** A video segment of the package and its manifest entry. */
async function videoSegment(root: string): Promise<{ path: string; manifest: Manifest }> {
  const manifest = JSON.parse(await readFile(join(root, 'manifest.json'), 'utf8')) as Manifest;
  const seg = manifest.files.find((f) => f.kind === 'segment' && f.keyId === kids.sd && /p\//.test(f.path));
  return { path: seg!.path, manifest };
}

/** Flip bytes in the middle of the segment's mdat (inside a sample): the size stays. */
async function flipInsideSample(file: string): Promise<Buffer> {
  const bytes = await readFile(file);
  const mdat = bytes.indexOf(Buffer.from('mdat')) - 4;
  const size = bytes.readUInt32BE(mdat);
  const at = mdat + 8 + Math.floor(size / 2);
  for (let i = 0; i < 64; i++) bytes[at + i] = bytes[at + i]! ^ 0xa5;
  await writeFile(file, bytes);
  return bytes;
}

beforeAll(async () => {
  dir = await tempDir('ingest-drm-verify-');
  const master = await makeMaster({ seconds: 6, width: 640, height: 360 });
  for (const t of ['audio', 'sd', 'hd'] as const) secrets.push(keys[t]);
  await writeFile(join(dir, 'keys.cpix.xml'), cpix(keys));
  await writeFile(
    join(dir, 'station.json'),
    JSON.stringify({
      destinations: { o: { type: 'folder', path: join(dir, 'unused-origin') } },
      origin: 'o',
      segmentSeconds: 2,
      drm: { keyProvider: { type: 'cpix', file: 'keys.cpix.xml' } },
    }),
  );
  pkg = join(dir, 'cpix-pkg');
  const made = await cli(['transcode', master, '--out', pkg, '--drm', '--config', join(dir, 'station.json')]);
  expect(made.code, made.stderr).toBe(0);
  local = join(dir, 'local-pkg');
  const madeLocal = await cli(['transcode', master, '--out', local, '--drm', '--segment', '2']);
  expect(madeLocal.code, madeLocal.stderr).toBe(0);
  // The station's own keys (sealed in the CLI's keys folder): read here only to search the outputs for them.
  const manifest = JSON.parse(await readFile(join(local, 'manifest.json'), 'utf8')) as Manifest;
  const drmDir = join(CLI_ENV.XDG_CACHE_HOME, 'ingest-station', 'transcode', 'keys', 'drm');
  const names = await readdir(drmDir).catch(() => [] as string[]);
  expect(
    names.some((n) => n.endsWith('.drm.json')),
    `local keys in ${drmDir}`,
  ).toBe(true);
  const enc = manifest.encryption!;
  expect(enc.method).toBe('cenc');
  const opened = await openLocalKeys(
    drmDir,
    fileKeySeal(join(drmDir, 'station-seal.key')),
    enc.method === 'cenc' ? enc.keys.map((k) => k.kid) : [],
  );
  secrets.push(...opened.values());
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('verify a DRM package through its keys', () => {
  it('verify --keys <cpix-file>: every encrypted segment decrypted to its recorded clear bytes and decoded', async () => {
    const r = await cli(['verify', pkg, '--keys', join(dir, 'keys.cpix.xml'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      segmentsChecked: number;
      decrypted: { files: number; keyIds: string[]; source: string };
    };
    const { manifest } = await videoSegment(pkg);
    // Segments decrypted (an init is only unprotected: it has nothing to decrypt, and is not counted).
    const encrypted = manifest.files.filter((f) => f.kind === 'segment' && f.keyId && f.clear);
    expect(encrypted.length).toBeGreaterThan(4);
    expect(out.decrypted.files).toBe(encrypted.length);
    expect(out.segmentsChecked).toBe(manifest.files.filter((f) => f.kind === 'segment').length);
    expect(out.decrypted.keyIds.sort()).toEqual([kids.audio, kids.sd, kids.hd].sort());
    expect(r.stderr).toMatch(
      /encrypted files decrypted to their recorded clear bytes with key IDs .* from the CPIX document keys\.cpix\.xml/,
    );
  }, 120_000);

  it("a local-key title: verify finds the station's sealed keys by itself", async () => {
    const r = await cli(['verify', local, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { decrypted?: { files: number; source: string }; segmentsChecked: number };
    expect(out.decrypted?.files).toBeGreaterThan(4);
    expect(out.decrypted?.source).toMatch(/this station's local keys/);
    expect(out.segmentsChecked).toBeGreaterThan(0);
  }, 120_000);

  it('without keys: passes by hash only and says so, with how to give the keys', async () => {
    await mkdir(join(dir, 'no-keys-here'), { recursive: true });
    const r = await cli(['verify', pkg, '--keys', join(dir, 'no-keys-here'), '--json']);
    // A keys folder named on purpose that has none of them is a problem…
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /undecodable — the package is DRM-encrypted \(cbcs\) with 3 keys and 3 of them are not in this station's local keys .* \(first: key ID [0-9a-f-]{36}\)/,
    );
    // …while the default folder, holding no keys of this package, proves it by hash and says so.
    const bare = await cli(['verify', pkg, '--json']);
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stderr).toMatch(
      /DRM-encrypted \(cbcs\) and no keys were given: it was proven by size and hash only, not decrypted or decoded/,
    );
    expect(bare.stderr).toMatch(/--keys <cpix-file>/);
    expect((JSON.parse(bare.stdout) as { provenBy?: string; segmentsChecked: number }).provenBy).toBe('hash');
  }, 120_000);

  it('the wrong keys: a sentence naming the segment and the key ID, nothing decoded', async () => {
    const other = { audio: randomBytes(16), sd: randomBytes(16), hd: randomBytes(16) };
    secrets.push(other.audio, other.sd, other.hd);
    await writeFile(join(dir, 'wrong.cpix.xml'), cpix(other));
    const r = await cli(['verify', pkg, '--keys', join(dir, 'wrong.cpix.xml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `wrong-key — the key the CPIX document wrong\\.cpix\\.xml gives for key ID ${kids.sd} opens none of the \\d+ segments encrypted with it to the clear bytes the manifest records \\(first: [^)]+\\.m4s\\): it is not the key this package was encrypted with`,
      ),
    );
    // A document without one of the package's key IDs: that key ID named.
    await writeFile(join(dir, 'partial.cpix.xml'), cpix(keys, { ...kids, hd: randomUUID() }));
    const partial = await cli(['verify', pkg, '--keys', join(dir, 'partial.cpix.xml')]);
    expect(partial.code).toBe(1);
    expect(partial.stderr).toContain(
      `1 of them is not in the CPIX document partial.cpix.xml (first: key ID ${kids.hd})`,
    );
  }, 120_000);

  it('a segment altered inside a sample at the same size fails, named — also when the manifest was re-hashed over it', async () => {
    const copy = join(dir, 'altered');
    await cp(pkg, copy, { recursive: true });
    const { path, manifest } = await videoSegment(copy);
    const bytes = await flipInsideSample(join(copy, path));
    const plain = await cli(['verify', copy, '--keys', join(dir, 'keys.cpix.xml')]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain(`${path}: hash-mismatch`);
    // The bytes altered before the manifest was written: size and hash agree, only the keys tell.
    const entry = manifest.files.find((f) => f.path === path)!;
    entry.sha256 = createHash('sha256').update(bytes).digest('hex');
    entry.md5 = createHash('md5').update(bytes).digest('hex');
    await writeFile(join(copy, 'manifest.json'), JSON.stringify(manifest, null, 2));
    const byHash = await cli(['verify', copy, '--no-decode', '--keys', join(dir, 'no-keys-at-all.xml')]);
    // A keys file that is not there is said, never taken for "no keys".
    expect(byHash.code).toBe(2);
    expect(byHash.stderr).toMatch(/--keys .*no-keys-at-all\.xml does not exist: give the CPIX document/);
    const r = await cli(['verify', copy, '--keys', join(dir, 'keys.cpix.xml'), '--json']);
    expect(r.code).toBe(1);
    const problems = (JSON.parse(r.stdout) as { problems: Array<{ file: string; problem: string; detail: string }> })
      .problems;
    expect(problems).toContainEqual(
      expect.objectContaining({
        file: path,
        problem: 'hash-mismatch',
        detail: expect.stringMatching(
          new RegExp(
            `^decrypted with key ID ${kids.sd}, SHA-256 [0-9a-f]{64} differs from the clear bytes the manifest records .*: the segment was altered$`,
          ),
        ),
      }),
    );
    expect(problems.every((p) => p.problem !== 'wrong-key')).toBe(true);
  }, 120_000);
});

/** The ingested DRM title at radosgw: origin and archive, keys sealed in the station's work folder. */
describe('audit --deep and repair of a DRM title at the origin', () => {
  let config: string;
  let manifestOnly: string;
  let manifest: Manifest;
  let origin: { cfg: S3DestinationConfig; client: S3Client };
  let titleId: string;
  let version: string;

  beforeAll(async () => {
    const master = await makeMaster({ seconds: 6, width: 640, height: 360 });
    const work = join(dir, 'ingest-work');
    const station = await drmStation(inject('s3Endpoint'), join(dir, 'ingest.json'), work, {
      keyProvider: { type: 'local' },
    });
    ({ origin, config } = station);
    const r = await cli(['ingest', master, '--config', config, '--drm', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const keys = await listKeys(origin.client, origin.cfg.bucket);
    const at = keys.find((k) => k.endsWith('/manifest.json') && k.split('/').length === 3)!;
    [titleId, version] = at.split('/') as [string, string];
    // Only the manifest (as the origin holds it): a repair then has no local package to take bytes from, only the archive's tar.
    const text = await getBytes(origin, at);
    manifest = JSON.parse(text.toString('utf8')) as Manifest;
    manifestOnly = join(dir, 'manifest-only');
    await mkdir(manifestOnly, { recursive: true });
    await writeFile(join(manifestOnly, 'manifest.json'), text);
    const drmDir = join(work, 'keys', 'drm');
    const enc = manifest.encryption!;
    const opened = await openLocalKeys(
      drmDir,
      fileKeySeal(join(drmDir, 'station-seal.key')),
      enc.method === 'cenc' ? enc.keys.map((k) => k.kid) : [],
    );
    expect(opened.size).toBe(3);
    secrets.push(...opened.values());
  }, 300_000);

  const records = (r: CliRun) => (JSON.parse(r.stdout) as { audits: AuditRecord[] }).audits;

  it("--deep decodes the title through the station's keys", async () => {
    const r = await cli(['audit', manifestOnly, '--dest', 'origin', '--config', config, '--deep', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const last = records(r).at(-1)!;
    expect(last.problems).toEqual([]);
    expect(last.drm?.provenBy).toBe('keys');
    expect(last.drm?.segmentsDecoded).toBe(manifest.files.filter((f) => f.kind === 'segment' && f.keyId).length);
    expect(r.stderr).toMatch(
      /DRM: \d+ encrypted objects decrypted to their recorded clear bytes with key IDs .* from this station's local keys/,
    );
  }, 180_000);

  it('a station without the keys says the deep audit proved the title by hash only', async () => {
    const other = join(dir, 'keyless.json');
    const cfg = JSON.parse(await readFile(config, 'utf8')) as Record<string, unknown>;
    await writeFile(other, JSON.stringify({ ...cfg, workDir: join(dir, 'keyless-work') }));
    const r = await cli(['audit', manifestOnly, '--dest', 'origin', '--config', other, '--deep', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const last = records(r).at(-1)!;
    expect(last.drm).toMatchObject({ provenBy: 'hash', segmentsDecoded: 0 });
    expect(last.drm!.detail).toMatch(/proven by size and hash only: .*none of its keys/);
    expect(r.stderr).toMatch(/DRM: a DRM title \(cbcs\) proven by size and hash only/);
  }, 180_000);

  /** A station like this one whose keys folder is a copy, changed by `damage` (the original is left alone). */
  async function stationWithKeys(name: string, damage: (drmDir: string) => Promise<void>): Promise<string> {
    const cfg = JSON.parse(await readFile(config, 'utf8')) as { workDir: string };
    const work = join(dir, `${name}-work`);
    await cp(join(cfg.workDir, 'keys'), join(work, 'keys'), { recursive: true });
    await damage(join(work, 'keys', 'drm'));
    const file = join(dir, `${name}.json`);
    await writeFile(file, JSON.stringify({ ...cfg, workDir: work }));
    return file;
  }

  it("a station that lost one of the title's keys: the deep audit names the key ID as a finding, not a pass", async () => {
    let lost = '';
    const other = await stationWithKeys('lost-key', async (drmDir) => {
      const file = (await readdir(drmDir)).find((n) => n.endsWith('.drm.json'))!;
      const store = JSON.parse(await readFile(join(drmDir, file), 'utf8')) as { keys: Array<{ kid: string }> };
      lost = store.keys.shift()!.kid;
      await writeFile(join(drmDir, file), JSON.stringify(store));
    });
    const r = await cli(['audit', manifestOnly, '--dest', 'origin', '--config', other, '--deep', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const last = records(r).at(-1)!;
    expect(last.drm?.provenBy).toBe('hash');
    expect(last.problems).toEqual([expect.objectContaining({ detail: expect.stringContaining(`key ID ${lost}`) })]);
  }, 180_000);

  it('a damaged station key: the deep audit says the keys could not be had, and the key file is kept as it was', async () => {
    let damaged = Buffer.alloc(0);
    const other = await stationWithKeys('damaged-seal', async (drmDir) => {
      damaged = (await readFile(join(drmDir, 'station-seal.key'))).subarray(0, 20);
      await writeFile(join(drmDir, 'station-seal.key'), damaged);
    });
    const r = await cli(['audit', manifestOnly, '--dest', 'origin', '--config', other, '--deep', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const last = records(r).at(-1)!;
    expect(last.drm?.provenBy).toBe('hash');
    expect(last.drm!.detail).toMatch(/its keys could not be had \(the station key .* is damaged \(20 bytes, not 32\)/);
    const cfg = JSON.parse(await readFile(other, 'utf8')) as { workDir: string };
    expect((await readFile(join(cfg.workDir, 'keys', 'drm', 'station-seal.key'))).equals(damaged)).toBe(true);
  }, 180_000);

  it("an encrypted chunk deleted at the origin comes back from the archive's tar, encrypted, and the title audits clean through the keys", async () => {
    const seg = manifest.files.find((f) => f.kind === 'segment' && f.keyId && f.clear)!;
    const key = `${titleId}/${version}/${seg.path}`;
    const before = await getBytes(origin, key);
    await origin.client.send(new DeleteObjectCommand({ Bucket: origin.cfg.bucket, Key: key }));
    const r = await cli([
      'audit',
      manifestOnly,
      '--dest',
      'origin',
      '--config',
      config,
      '--repair',
      '--deep',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const [first, second] = records(r);
    expect(first!.problems).toEqual([expect.objectContaining({ key, problem: 'missing' })]);
    expect(second!.repaired).toMatchObject({ uploaded: [key], source: 'archive tar' });
    expect(second!.problems).toEqual([]);
    expect(second!.drm?.provenBy).toBe('keys');
    const after = await getBytes(origin, key);
    // The encrypted bytes the manifest records, not the clear ones behind them.
    expect(after.equals(before)).toBe(true);
    expect(createHash('sha256').update(after).digest('hex')).toBe(seg.sha256);
    expect(seg.clear!.sha256).not.toBe(seg.sha256);
    expect(after.includes(Buffer.from('senc'))).toBe(true);
  }, 180_000);
});

describe('every output above', () => {
  it('no key bytes in any output (raw, hex, base64)', () => {
    expect(outputs.length).toBeGreaterThan(12);
    const all = outputs.map((o) => o.stdout + o.stderr).join('\n');
    for (const k of secrets) {
      expect(all).not.toContain(k.toString('hex'));
      expect(all.toLowerCase()).not.toContain(k.toString('hex').toLowerCase());
      expect(all).not.toContain(k.toString('base64'));
      expect(all).not.toContain(k.toString('base64url'));
    }
    expect(secrets.length).toBeGreaterThanOrEqual(12);
  });
});
