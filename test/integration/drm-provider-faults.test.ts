/**
 * Bad answers from the key provider through the product (issue #25 item 9): the built CLI's
 * `ingest --drm` against the SPEKE v2 stand-in made to misbehave — unreachable, slower than the
 * config's timeout, 401, 403, 500, a CPIX without a key for a requested ID, malformed XML, an
 * oversized document — each stops the title at its claim, before anything is encoded, encrypted or
 * sent: the stores hold the title's claim (title.json) and nothing else, no chunk is in the work
 * folder, the sentence names the provider, what was wrong and what to do, and neither a key nor the
 * provider's token is in stdout, stderr or any file the station wrote. A title so stopped is
 * delivered by the next run once the provider answers (the claim it left is its own). Then a title
 * killed -9 mid-verify whose provider answers other keys on resume: stopped before a chunk is
 * encrypted under them, nothing published; with the provider's keys back, the same run finishes
 * wholly under the first keys.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { initLayout, segmentLayout } from '../../electron/engine/media/fmp4';
import {
  cliWithSpeke,
  download,
  drmStation,
  journals,
  killAfterFirstEncryptedChunk,
  publishedManifest,
  secretsIn,
  spekeProvider,
} from '../helpers/drm-ingest';
import { freePort } from '../helpers/loopback-listen';
import { makeMaster } from '../helpers/masters';
import { listKeys } from '../helpers/s3';
import { startSpekeServer, type Misbehaviour, type SpekeServer } from '../helpers/speke-server';
import { tempDir } from '../helpers/station';

const run = promisify(execFile);

let dir: string;
let speke: SpekeServer;
let master: string;
let caFile: string;

beforeAll(async () => {
  dir = await tempDir('ingest-drm-faults-');
  speke = await startSpekeServer();
  master = await makeMaster({ seconds: 6 });
  caFile = join(dir, 'speke-ca.pem');
  await writeFile(caFile, speke.ca);
}, 120_000);

afterAll(async () => {
  await speke?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A station config for one case: its own buckets and work folder, keys from `provider`. */
async function station(name: string, provider: Record<string, unknown>) {
  const s = await drmStation(inject('s3Endpoint'), join(dir, `${name}.json`), join(dir, name, 'work'), {
    keyProvider: provider,
  });
  return { ...s, args: ['ingest', master, '--config', s.config, '--drm', '--json'] };
}

/** Files under a folder whose names end in one of `ends` (recursive). */
async function filesEnding(root: string, ends: string[]): Promise<string[]> {
  const names = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  return names.filter((n) => ends.some((e) => n.endsWith(e)));
}

/** The action for an answer that is no key answer at all. */
const CHECK_URL = "check that the provider's URL in the DRM settings is its SPEKE v2 endpoint";
const PROVIDER = /SPEKE key provider https:\/\/127\.0\.0\.1:\d+\/speke\/v2\.0\/copyProtection/;

describe('ingest --drm stops a title whose key provider answers badly, before anything is encrypted or sent', () => {
  const cases: Array<[string, Misbehaviour | 'unreachable', RegExp, Record<string, unknown>?]> = [
    [
      'unreachable',
      'unreachable',
      /could not be reached \(ECONNREFUSED\): check the provider's URL in the DRM settings and that the provider is up, then retry the title/,
    ],
    [
      'slower than the timeout',
      'slow',
      /did not answer within 1 s: retry the title, or give the provider longer \(drm\.keyProvider\.timeoutSeconds\)/,
      { timeoutSeconds: 1 },
    ],
    ['401', 'unauthorized', /refused the station's credentials \(HTTP 401\): check the provider's headers/],
    ['403', 'forbidden', /refused the station's credentials \(HTTP 403\): check the provider's headers/],
    ['500', 'server-error', /answered HTTP 500 instead of a CPIX document: retry the title later/],
    [
      'a key left out',
      'missing-kid',
      /sent no key for key ID [0-9a-f-]{36} \((audio|sd|hd)\): nothing was encrypted — ask the provider to issue keys for every requested key ID, then retry the title/,
    ],
    ['malformed XML', 'malformed', new RegExp(`sent a document that is not well-formed XML.*: ${CHECK_URL}`)],
    [
      'an oversized document',
      'oversized',
      new RegExp(`sent more than 4194304 bytes; a key answer is far smaller: ${CHECK_URL}`),
    ],
  ];
  for (const [name, mode, sentence, extra] of cases)
    it(`${name}: the title stops at its claim with a sentence naming the provider and the fix`, async () => {
      const closed = mode === 'unreachable' ? await freePort() : 0;
      const url = closed ? speke.url.replace(/:\d+\//, `:${closed}/`) : speke.url;
      const s = await station(name.replace(/\W+/g, '-'), spekeProvider(speke, caFile, { url, ...extra }));
      const asked = speke.requests.length;
      speke.misbehave = mode === 'unreachable' ? 'none' : mode;
      const r = await cliWithSpeke(speke, s.args).finally(() => (speke.misbehave = 'none'));
      expect(r.code, r.stdout + r.stderr).not.toBe(0);
      // The sentence, with the provider named (its origin and path — never a header).
      const said = r.stderr + r.stdout;
      expect(said).toMatch(PROVIDER);
      expect(said).toMatch(sentence);
      expect((JSON.parse(r.stdout) as { titles: Array<{ state: string }> }).titles[0]!.state).toBe('failed');
      if (mode !== 'unreachable') expect(speke.requests.length).toBeGreaterThan(asked);
      // Nothing at either store but the title's claim; no multipart upload begun.
      for (const b of [s.origin, s.archive]) {
        const keys = await listKeys(b.client, b.cfg.bucket);
        expect(keys.filter((k) => !k.endsWith('/title.json'))).toEqual([]);
        expect(keys).toHaveLength(1);
      }
      // Not a chunk or an init encoded, let alone encrypted: the claim came first, and it stopped.
      expect(await filesEnding(s.workDir, ['.m4s', '.mp4', '.ts'])).toEqual([]);
      expect(await journals(s.workDir)).not.toContain('"keyId"');
      // No key and not the provider's token in what the operator saw or the station wrote.
      expect(await secretsIn(speke, { stdout: r.stdout, stderr: r.stderr }, [s.workDir])).toEqual([]);
    });
});

describe('a title stopped by its provider', () => {
  it('is delivered by the next run once the provider answers: the claim it left is its own', async () => {
    const s = await station('stopped-then-delivered', spekeProvider(speke, caFile));
    speke.misbehave = 'unauthorized';
    const stopped = await cliWithSpeke(speke, s.args).finally(() => (speke.misbehave = 'none'));
    expect(stopped.code).not.toBe(0);
    const again = await cliWithSpeke(speke, s.args);
    expect(again.code, again.stderr).toBe(0);
    const out = JSON.parse(again.stdout) as { titles: Array<{ titleId: string; version: string }> };
    const before = JSON.parse(stopped.stdout) as typeof out;
    // The same title and version it claimed when the provider refused it: resumed, not claimed anew.
    expect(out.titles[0]).toMatchObject({ titleId: before.titles[0]!.titleId, version: before.titles[0]!.version });
    const keys = await listKeys(s.origin.client, s.origin.cfg.bucket);
    expect(keys).toContain(`${out.titles[0]!.titleId}/${out.titles[0]!.version}/manifest.json`);
  });
});

describe('a resumed title whose provider now answers other keys for its key IDs', () => {
  it('stops before a chunk is encrypted under them, publishes nothing, and finishes under the first keys once they are back', async () => {
    const s = await station('changed-keys', spekeProvider(speke, caFile));
    expect(await killAfterFirstEncryptedChunk(speke, s.args, s.workDir)).toBe(true);
    const kids = speke.requests.at(-1)!.kids;
    const first = new Map(kids.map((k) => [k, Buffer.from(speke.keys.get(k)!)]));
    const encryptedBefore = (await journals(s.workDir)).match(/"t":"verified"[^\n]*"keyId"/g)!.length;

    speke.misbehave = 'changed-keys';
    const stopped = await cliWithSpeke(speke, s.args).finally(() => (speke.misbehave = 'none'));
    expect(stopped.code).not.toBe(0);
    expect(stopped.stderr + stopped.stdout).toMatch(PROVIDER);
    expect(stopped.stderr + stopped.stdout).toMatch(
      /now answers a different key for key ID [0-9a-f-]{36} than when this title was first encrypted: the title is stopped/,
    );
    const changed = kids.map((k) => speke.keys.get(k)!);
    expect(changed.every((k, i) => !k.equals(first.get(kids[i]!)!))).toBe(true);
    // Not one more chunk encrypted (under any key), and nothing published at the origin.
    expect((await journals(s.workDir)).match(/"t":"verified"[^\n]*"keyId"/g)!.length).toBe(encryptedBefore);
    const atOrigin = await listKeys(s.origin.client, s.origin.cfg.bucket);
    expect(atOrigin.filter((k) => /(manifest\.json|\.m3u8|\.mpd)$/.test(k))).toEqual([]);
    expect(
      await secretsIn(
        speke,
        { stdout: stopped.stdout, stderr: stopped.stderr },
        [s.workDir],
        [...first.values(), ...changed],
      ),
    ).toEqual([]);

    // The provider's first keys back: the title resumes and is published, every chunk under them.
    for (const [k, v] of first) speke.keys.set(k, v);
    const done = await cliWithSpeke(speke, s.args);
    expect(done.code, done.stderr).toBe(0);
    const got = join(dir, 'changed-keys', 'at-origin');
    await download(s.origin.client, s.origin.cfg.bucket, got);
    const titleId = (JSON.parse(done.stdout) as { titles: Array<{ titleId: string }> }).titles[0]!.titleId;
    const { manifest, base } = await publishedManifest(got, titleId);
    const segments = manifest.files.filter((f) => f.kind === 'segment' && f.path.endsWith('.m4s'));
    expect(segments.length).toBeGreaterThan(0);
    for (const init of manifest.files.filter((f) => f.kind === 'init-segment')) {
      const initBytes = await readFile(join(base, init.path));
      expect(initLayout(initBytes).protection?.scheme).toBe('cbcs');
      for (const seg of segments.filter((f) => f.rendition === init.rendition)) {
        expect(kids).toContain(seg.keyId);
        const chunk = await readFile(join(base, seg.path));
        expect(segmentLayout(chunk).trafChildren.map((b) => b.type)).toContain('senc');
        const file = join(dir, 'one.mp4');
        await writeFile(file, Buffer.concat([initBytes, chunk]));
        const { stderr } = await run('ffmpeg', [
          '-v', 'error', '-xerror', '-decryption_key', first.get(seg.keyId!)!.toString('hex'), '-i', file, '-f', 'null', '-',
        ]); // prettier-ignore
        expect(stderr, seg.path).toBe('');
      }
    }
  });
});
