/**
 * Key providers (drm/): SPEKE v2 against the test provider over loopback HTTPS (request shape,
 * headers, keys and per-system data; every bad answer stops with a sentence naming the provider and
 * carrying no key or token), a CPIX file per title (its key IDs and track types, keys in clear or
 * encrypted to the station's certificate), and local keys sealed at rest (no key bytes in any file
 * written but the sealed store, the same keys on resume, a seal that refuses a swapped entry).
 */
import { execFile } from 'node:child_process';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpixExport, cpixRequest, parseCpix } from '../../electron/engine/drm/cpix';
import { CpixFileProvider } from '../../electron/engine/drm/cpix-file';
import { fetchKeys } from '../../electron/engine/drm/key-provider';
import {
  DrmError,
  planKeys,
  slotFor,
  DRM_DEFAULTS,
  type DrmOptions,
  type KeyPlan,
} from '../../electron/engine/drm/keys';
import { LocalKeyProvider, fileKeySeal, secretBoxSeal } from '../../electron/engine/drm/local-keys';
import { SpekeProvider } from '../../electron/engine/drm/speke';
import { startSpekeServer, type SpekeServer } from '../helpers/speke-server';
import { tempDir } from '../helpers/station';
import { keyBytesIn } from '../helpers/drm-package';
import { testSecretBox } from '../helpers/test-secret-box';

const run = promisify(execFile);
const OPTIONS: DrmOptions = DRM_DEFAULTS;

let dir: string;
let speke: SpekeServer;
let cert: { cert: string; key: string };

const provider = (extra: Partial<ConstructorParameters<typeof SpekeProvider>[0]> = {}) =>
  new SpekeProvider({ url: speke.url, headers: { 'x-api-key': speke.apiKey }, ca: speke.ca, ...extra });

/** The error of a promise that must fail, checked to carry none of the given secrets in any encoding. */
async function failure(p: Promise<unknown>, secrets: Buffer[] = []): Promise<DrmError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DrmError);
  const text = (err as Error).message;
  for (const s of [...secrets, Buffer.from(speke.apiKey)])
    for (const enc of [s.toString('hex'), s.toString('base64'), s.toString('latin1')]) expect(text).not.toContain(enc);
  return err as DrmError;
}

beforeAll(async () => {
  dir = await tempDir('ingest-drm-keys-');
  speke = await startSpekeServer();
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=key server',
    '-keyout', join(dir, 'recipient.key'), '-out', join(dir, 'recipient.pem'),
  ]); // prettier-ignore
  cert = {
    cert: await readFile(join(dir, 'recipient.pem'), 'utf8'),
    key: await readFile(join(dir, 'recipient.key'), 'utf8'),
  };
});

afterAll(async () => {
  await speke?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('SPEKE v2', () => {
  it('asks for three key IDs (audio, SD, HD) with the SPEKE headers and answers keys and per-system data', async () => {
    const plan = planKeys(OPTIONS, 'film--v1');
    speke.requests.length = 0;
    const { keys, checks } = await fetchKeys(provider(), plan);
    const req = speke.requests[0]!;
    expect(req.headers['x-speke-version']).toBe('2.0');
    expect(req.headers['content-type']).toBe('application/xml');
    expect(req.kids.sort()).toEqual(plan.slots.map((s) => s.kid).sort());
    const asked = parseCpix(req.body);
    expect(asked.version).toBe('2.3');
    expect(asked.rules.map((r) => r.intendedTrackType).sort()).toEqual(['AUDIO', 'HD', 'SD']);
    expect(asked.rules.find((r) => r.intendedTrackType === 'SD')!.video).toEqual({ maxPixels: 589824 });
    expect(req.body.match(/<cpix:DRMSystem /g)).toHaveLength(9);
    expect(keys.keys.size).toBe(3);
    expect(Object.keys(checks)).toHaveLength(3);
    const hd = slotFor(plan, 'hd', 0).kid;
    expect(keys.keys.get(hd)!.key.equals(speke.keys.get(hd)!)).toBe(true);
    const wv = keys.systems.find((s) => s.system === 'widevine' && s.kid === hd)!;
    expect(wv.pssh!.toString('latin1')).toContain('speke-test-provider');
    expect(wv.contentProtectionData).toContain('<cenc:pssh');
    expect(keys.systems.find((s) => s.system === 'fairplay' && s.kid === hd)!.hlsMedia).toContain(
      `skd://provider/${hd}`,
    );
    // Resumed: the same IDs asked again, the same keys behind them.
    await expect(fetchKeys(provider(), { ...plan, checks })).resolves.toBeTruthy();
  });

  it('rotation: a key ID per track type and period, key periods and their filters in the request', () => {
    const plan = planKeys({ ...OPTIONS, rotateEvery: 10 }, 'film--v1', 3);
    expect(plan.slots).toHaveLength(9);
    const doc = parseCpix(cpixRequest(plan));
    expect(doc.periods.map((p) => p.index)).toEqual([0, 1, 2]);
    expect(doc.rules.every((r) => r.periodIds.length === 1)).toBe(true);
  });

  const cases: Array<
    [string, SpekeServer['misbehave'], RegExp, Partial<ConstructorParameters<typeof SpekeProvider>[0]>?]
  > = [
    ['401', 'unauthorized', /refused the station's credentials \(HTTP 401\)/],
    ['500', 'server-error', /answered HTTP 500/],
    ['slow', 'slow', /did not answer within 1 s/, { timeoutMs: 1000 }],
    ['a key left out', 'missing-kid', /sent no key for key ID [0-9a-f-]{36}/],
    ['malformed XML', 'malformed', /sent a document that is not well-formed XML/],
    ['oversized', 'oversized', /sent more than 4194304 bytes/],
  ];
  for (const [name, mode, message, extra] of cases)
    it(`${name}: stops with a sentence naming the provider, no key or token in it`, async () => {
      speke.misbehave = mode;
      try {
        const err = await failure(fetchKeys(provider(extra), planKeys(OPTIONS, 'film--v1')), [...speke.keys.values()]);
        expect(err.message).toMatch(message);
        expect(err.message).toContain(`SPEKE key provider https://127.0.0.1:`);
      } finally {
        speke.misbehave = 'none';
      }
    });

  it('keys that change between two requests for the same IDs stop a resumed title', async () => {
    const plan = planKeys(OPTIONS, 'film--v2');
    const first = await fetchKeys(provider(), plan);
    speke.misbehave = 'changed-keys';
    try {
      const err = await failure(fetchKeys(provider(), { ...plan, checks: first.checks }), [...speke.keys.values()]);
      expect(err.message).toMatch(/now answers a different key for key ID .* never published under two keys/);
    } finally {
      speke.misbehave = 'none';
    }
  });

  it('unreachable, an untrusted certificate, and plain http to another machine are named as such', async () => {
    const plan = planKeys(OPTIONS, 'film--v1');
    const closed = await failure(fetchKeys(provider({ url: 'https://127.0.0.1:1/speke' }), plan));
    expect(closed.message).toMatch(/could not be reached \(ECONNREFUSED\)/);
    const untrusted = await failure(
      fetchKeys(new SpekeProvider({ url: speke.url, headers: { 'x-api-key': speke.apiKey } }), plan),
    );
    expect(untrusted.message).toMatch(/TLS certificate the station does not trust/);
    expect(() => new SpekeProvider({ url: 'http://keys.example/speke' })).toThrow(
      /plain http is allowed only to this machine/,
    );
  });
});

describe('CPIX file', () => {
  const doc = (keys: Array<[string, Buffer, string]>): string =>
    `<?xml version="1.0"?><cpix:CPIX xmlns:cpix="urn:dashif:org:cpix" xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc" contentId="film" version="2.3"><cpix:ContentKeyList>${keys
      .map(
        ([kid, k]) =>
          `<cpix:ContentKey kid="${kid}"><cpix:Data><pskc:Secret><pskc:PlainValue>${k.toString('base64')}</pskc:PlainValue></pskc:Secret></cpix:Data></cpix:ContentKey>`,
      )
      .join('')}</cpix:ContentKeyList><cpix:ContentKeyUsageRuleList>${keys
      .map(([kid, , type]) => `<cpix:ContentKeyUsageRule kid="${kid}" intendedTrackType="${type}"/>`)
      .join('')}</cpix:ContentKeyUsageRuleList></cpix:CPIX>`;
  const K = (n: number): [string, Buffer] => [`0000000${n}-0000-0000-0000-00000000000${n}`, Buffer.alloc(16, n)];

  it("takes the document's key IDs and track types, and its keys", async () => {
    const file = join(dir, 'film.cpix.xml');
    await writeFile(
      file,
      doc([
        [...K(1), 'AUDIO'],
        [...K(2), 'SD'],
        [...K(3), 'HD'],
      ]),
    );
    const p = new CpixFileProvider({ file });
    const plan = await p.plan(OPTIONS, 'film--v1');
    expect(slotFor(plan, 'sd', 0).kid).toBe(K(2)[0]);
    const { keys } = await fetchKeys(p, plan);
    expect(keys.keys.get(K(3)[0])!.key.equals(K(3)[1])).toBe(true);
  });

  it('a document without an HD key, with a DTD, or over the size cap is refused with its name', async () => {
    const file = join(dir, 'partial.cpix.xml');
    await writeFile(
      file,
      doc([
        [...K(1), 'AUDIO'],
        [...K(2), 'SD'],
      ]),
    );
    expect((await failure(new CpixFileProvider({ file }).plan(OPTIONS, 'x'))).message).toBe(
      'CPIX file partial.cpix.xml has no key for hd tracks (its usage rules name none)',
    );
    await writeFile(file, `<!DOCTYPE x [<!ENTITY a "b">]>${doc([[...K(1), 'HD']])}`);
    expect((await failure(new CpixFileProvider({ file }).plan(OPTIONS, 'x'))).message).toMatch(/carries a DTD/);
    await writeFile(file, doc([[...K(1), 'HD']]));
    expect((await failure(new CpixFileProvider({ file, maxBytes: 100 }).plan(OPTIONS, 'x'))).message).toMatch(
      /is larger than 100 bytes/,
    );
  });
});

describe('local keys', () => {
  it('a damaged station key is refused with a sentence and kept byte for byte, never replaced', async () => {
    const keyFile = join(dir, 'damaged-key', 'drm.key');
    const sealed = await fileKeySeal(keyFile).seal(Buffer.alloc(16, 7), 'kid-1');
    const whole = await readFile(keyFile);
    await writeFile(keyFile, whole.subarray(0, 20));
    const damaged = fileKeySeal(keyFile);
    await expect(damaged.open(sealed, 'kid-1')).rejects.toThrow(/is damaged \(20 bytes, not 32\): restore it/);
    await expect(damaged.seal(Buffer.alloc(16), 'kid-2')).rejects.toThrow(/is damaged/);
    expect((await readFile(keyFile)).equals(whole.subarray(0, 20))).toBe(true);
    // Put back from a backup, it opens what it sealed.
    await writeFile(keyFile, whole);
    expect((await fileKeySeal(keyFile).open(sealed, 'kid-1')).equals(Buffer.alloc(16, 7))).toBe(true);
  });

  it('made once, sealed at rest in an owner-only file; the same keys on resume; no key bytes anywhere else', async () => {
    const keysDir = join(dir, 'local');
    const seal = fileKeySeal(join(dir, 'station-key', 'drm.key'));
    const p = new LocalKeyProvider(keysDir, seal);
    const plan = await p.plan(OPTIONS, 'film--v1', 10);
    const first = await fetchKeys(p, plan);
    const again = await fetchKeys(new LocalKeyProvider(keysDir, fileKeySeal(join(dir, 'station-key', 'drm.key'))), {
      ...plan,
      checks: first.checks,
    });
    for (const s of plan.slots)
      expect(again.keys.keys.get(s.kid)!.key.equals(first.keys.keys.get(s.kid)!.key)).toBe(true);
    expect((await stat(p.fileFor(plan.contentId))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'station-key', 'drm.key'))).mode & 0o777).toBe(0o600);
    const keys = [...first.keys.keys.values()].map((k) => k.key);
    const exported = await p.exportCpix(plan, first.keys, []);
    expect(parseCpix(await readFile(exported, 'utf8')).keys.every((k) => !k.key && !k.encrypted)).toBe(true);
    expect(await keyBytesIn(keysDir, keys)).toEqual([]);
    // The sealed store really holds them: opened with the station key, each entry is its key.
    const store = JSON.parse(await readFile(p.fileFor(plan.contentId), 'utf8')) as {
      keys: Array<{ kid: string; sealed: string }>;
    };
    const opened = await seal.open(Buffer.from(store.keys[0]!.sealed, 'base64'), store.keys[0]!.kid);
    expect(opened.equals(first.keys.keys.get(store.keys[0]!.kid)!.key)).toBe(true);
    await expect(seal.open(Buffer.from(store.keys[0]!.sealed, 'base64'), store.keys[1]!.kid)).rejects.toThrow(
      /does not open/,
    );
  });

  it('the CPIX export carries the keys only encrypted to the recipient certificate, and they open with its key', async () => {
    const p = new LocalKeyProvider(join(dir, 'local2'), secretBoxSeal(testSecretBox('11'.repeat(32))));
    const plan: KeyPlan = await p.plan(OPTIONS, 'film--v3', 1);
    const { keys } = await fetchKeys(p, plan);
    const xml = cpixExport(plan, keys.keys, [], cert.cert);
    for (const k of keys.keys.values())
      for (const enc of ['hex', 'base64'] as const) expect(xml).not.toContain(k.key.toString(enc));
    const back = parseCpix(xml, { privateKeyPem: cert.key });
    for (const k of back.keys) expect(k.key!.equals(keys.keys.get(k.kid)!.key)).toBe(true);
    expect(parseCpix(xml).keys.every((k) => k.encrypted)).toBe(true);
  });

  it('a platform without protected storage is refused, never sealed in clear', async () => {
    const p = new LocalKeyProvider(join(dir, 'local3'), secretBoxSeal(testSecretBox('22'.repeat(32), false)));
    const plan = await p.plan(OPTIONS, 'film--v4', 1);
    expect((await failure(fetchKeys(p, plan))).message).toMatch(/no protected storage \(basic_text\)/);
  });
});
