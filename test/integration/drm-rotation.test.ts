/**
 * Key rotation and a clear lead through the product (issue #25 items 1 and 5): the built CLI's
 * `transcode --drm` with a config `drm` section of `rotateEvery: 2` and `clearLead: 1` (segments),
 * keys from the SPEKE v2 stand-in, on a tiny 8 s 360p master in 2 s segments. Proven from the
 * package as written: the first segment of every rendition carries no sample encryption (no senc,
 * saiz or saio; it points at the init's clear sample entry) and ffmpeg decodes it with no key; every
 * later segment is encrypted under its key period's key ID — named in the manifest and, after
 * period 0, in the fragment (seig) — and ffmpeg decrypts it with that key without an error, while
 * neither no key nor the previous period's opens it; HLS puts each period's EXT-X-KEY tags right
 * before its first segment (none before the clear lead), the master lists every period's session
 * key; DASH names period 0's default_KID; `--json`, stderr and the manifest list every key ID with
 * its track type and period, all asked of the provider in one request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Manifest } from '../../electron/common/manifest';
import { kidString } from '../../electron/engine/drm/keys';
import { initLayout, segmentLayout } from '../../electron/engine/media/fmp4';
import { runCli } from '../helpers/cli';
import { cliWithSpeke, spekeProvider } from '../helpers/drm-ingest';
import { makeMaster } from '../helpers/masters';
import { startSpekeServer, type SpekeServer } from '../helpers/speke-server';
import { tempDir } from '../helpers/station';

interface Key {
  kid: string;
  trackType: string;
  period: number;
}

let dir: string;
let out: string;
let speke: SpekeServer;
let said: { code: number; stdout: string; stderr: string };
let keys: Key[];
let manifest: Manifest;

const RENDITIONS = [
  { name: '360p', trackType: 'sd', video: true },
  { name: '180p', trackType: 'sd', video: true },
  { name: 'audio/aac-und', trackType: 'audio', video: false },
];

beforeAll(async () => {
  dir = await tempDir('ingest-drm-rotation-');
  out = join(dir, 'out');
  speke = await startSpekeServer();
  await writeFile(join(dir, 'speke-ca.pem'), speke.ca);
  const config = join(dir, 'station.json');
  await writeFile(
    config,
    JSON.stringify({
      destinations: { origin: { type: 'folder', path: join(dir, 'origin') } },
      origin: 'origin',
      workDir: join(dir, 'work'),
      profile: 'preview',
      segmentSeconds: 2,
      dash: true,
      drm: { keyProvider: spekeProvider(speke, join(dir, 'speke-ca.pem')), rotateEvery: 2, clearLead: 1 },
    }),
  );
  const master = await makeMaster({ seconds: 8 });
  said = await cliWithSpeke(speke, ['transcode', master, '--out', out, '--config', config, '--drm', '--json']);
  if (said.code === 0) {
    keys = (JSON.parse(said.stdout) as { drm: { keys: Key[] } }).drm.keys;
    manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
  }
}, 180_000);

afterAll(async () => {
  await speke?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** ffmpeg decoding init + one segment (with a key or none): its exit, stderr and frame count; never rejects. */
function decode(init: Buffer, seg: Buffer, key?: Buffer): Promise<{ code: number; stderr: string; frames: number }> {
  const file = join(dir, `one-${Math.random().toString(36).slice(2)}.mp4`);
  return writeFile(file, Buffer.concat([init, seg])).then(
    () =>
      new Promise((done) =>
        execFile(
          'ffmpeg',
          ['-v', 'error', '-xerror', ...(key ? ['-decryption_key', key.toString('hex')] : []), '-i', file, '-f', 'framemd5', '-'],
          { maxBuffer: 1 << 24 },
          (err, stdout, stderr) =>
            done({
              code: err ? ((err as { code?: number }).code ?? 1) : 0,
              stderr,
              frames: stdout.split('\n').filter((l) => l && !l.startsWith('#')).length,
            }),
        ),
      ),
  ); // prettier-ignore
}

/**
 * ffmpeg 5.1 reads a fragment's key and cbcs IV from the init's tenc only, not from the fragment's
 * seig sample group (browsers' CDMs do read it: test/browser/drm-playback.test.ts plays a rotated
 * package). So for ffmpeg, a later period's fragment goes behind a copy of the init whose tenc
 * carries what the fragment's seig entry says — its key ID and constant IV — read from its bytes.
 */
function initForSeig(init: Buffer, seg: Buffer): { init: Buffer; kid: string } {
  const at = seg.indexOf(Buffer.from('sgpd', 'latin1'));
  expect(at).toBeGreaterThan(0);
  expect(seg.toString('latin1', at + 8, at + 12)).toBe('seig');
  // sgpd v1: type, version/flags, grouping_type, default_length, entry_count, then the entry:
  // reserved, pattern, isProtected, per-sample IV size, KID (16), constant IV size, constant IV.
  const e = at + 4 + 4 + 4 + 4 + 4;
  expect(seg[e + 2]).toBe(1);
  expect(seg[e + 20]).toBe(16);
  const tenc = init.indexOf(Buffer.from('tenc', 'latin1'));
  const out = Buffer.from(init);
  seg.copy(out, tenc + 4 + 4 + 4, e + 4, e + 20);
  seg.copy(out, tenc + 4 + 4 + 4 + 16 + 1, e + 21, e + 37);
  return { init: out, kid: kidString(seg.subarray(e + 4, e + 20)) };
}

/** The key ID of a track type in a key period, as --json listed it. */
const kidOf = (trackType: string, period: number): string =>
  keys.find((k) => k.trackType === trackType && k.period === period)!.kid;

/** The segments of a rendition, by index, as its media playlist lists them. */
async function segmentsOf(rendition: string): Promise<string[]> {
  const text = await readFile(join(out, rendition, 'index.m3u8'), 'utf8');
  return text.split('\n').filter((l) => l.endsWith('.m4s'));
}

describe('transcode --drm with rotateEvery 2 and clearLead 1', () => {
  it('--json, stderr and the manifest list every key ID with its track type and period, all asked of the provider at once', () => {
    expect(said.code, said.stderr).toBe(0);
    // 8 s in 2 s segments (the audio's AAC tail makes a fifth): three key periods of audio, SD, HD.
    expect(keys.map((k) => `${k.period} ${k.trackType}`).sort()).toEqual(
      ['0 audio', '0 hd', '0 sd', '1 audio', '1 hd', '1 sd', '2 audio', '2 hd', '2 sd'],
    ); // prettier-ignore
    expect(new Set(keys.map((k) => k.kid)).size).toBe(9);
    expect(speke.requests).toHaveLength(1);
    expect([...speke.requests[0]!.kids].sort()).toEqual(keys.map((k) => k.kid).sort());
    for (const k of keys.filter((x) => x.period > 0))
      expect(said.stderr).toContain(`key ID ${k.kid} · ${k.trackType} · period ${k.period}`);
    expect(manifest.encryption).toMatchObject({ method: 'cenc', scheme: 'cbcs', rotateEvery: 2, clearLead: 1 });
    expect(
      (manifest.encryption as { keys: Key[] }).keys.map((k) => `${k.kid} ${k.trackType} ${k.period}`).sort(),
    ).toEqual(keys.map((k) => `${k.kid} ${k.trackType} ${k.period}`).sort());
  });

  it('the clear lead: the first segment of every rendition carries no sample encryption and ffmpeg decodes it with no key', async () => {
    for (const r of RENDITIONS) {
      const init = await readFile(join(out, r.name, 'init.mp4'));
      const l = initLayout(init);
      expect(l.protection?.scheme, r.name).toBe('cbcs');
      // The protected sample entry, then the clear one the clear-lead fragments point at.
      expect(l.entries, r.name).toHaveLength(2);
      const [first] = await segmentsOf(r.name);
      const seg = await readFile(join(out, r.name, first!));
      expect(segmentLayout(seg).trafChildren.map((b) => b.type)).not.toEqual(
        expect.arrayContaining([expect.stringMatching(/^(senc|saiz|saio)$/)]),
      );
      const d = await decode(init, seg);
      expect(d.stderr, `${r.name} ${first}`).toBe('');
      expect(d.code).toBe(0);
      expect(d.frames).toBeGreaterThan(r.video ? 40 : 80);
      const entry = manifest.files.find((f) => f.path === `${r.name}/${first}`)!;
      expect(entry.keyId, entry.path).toBeUndefined();
    }
  });

  it("every later segment is encrypted under its key period's key ID; ffmpeg decrypts it with that key and neither no key nor the previous period's opens it", async () => {
    let checked = 0;
    for (const r of RENDITIONS) {
      const init = await readFile(join(out, r.name, 'init.mp4'));
      const segments = await segmentsOf(r.name);
      for (const [i, name] of segments.entries()) {
        if (i === 0) continue;
        const period = Math.floor(i / 2);
        const kid = kidOf(r.trackType, period);
        const seg = await readFile(join(out, r.name, name));
        expect(
          segmentLayout(seg).trafChildren.map((b) => b.type),
          name,
        ).toContain('senc');
        expect(manifest.files.find((f) => f.path === `${r.name}/${name}`)!.keyId).toBe(kid);
        // Period 0's key is the init's (tenc); a later period's is named in the fragment (seig).
        const behind = period > 0 ? initForSeig(init, seg) : { init, kid };
        expect(behind.kid, `${r.name}/${name}`).toBe(kid);
        const right = await decode(behind.init, seg, speke.keys.get(kid));
        expect(right.stderr, `${r.name}/${name}`).toBe('');
        expect(right.frames).toBeGreaterThan(0);
        // Audio decodes garbage silently often enough; the picture fails loudly without its key.
        if (r.video) {
          expect((await decode(init, seg)).stderr, `${r.name}/${name} with no key`).not.toBe('');
          if (period > 0) {
            const before = await decode(behind.init, seg, speke.keys.get(kidOf(r.trackType, period - 1)));
            expect(before.stderr, `${r.name}/${name} with period ${period - 1}'s key`).not.toBe('');
          }
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it("HLS: each period's key tags right before its first segment, none before the clear lead; the master has every period's; DASH names period 0's default_KID", async () => {
    for (const r of RENDITIONS) {
      const lines = (await readFile(join(out, r.name, 'index.m3u8'), 'utf8')).split('\n');
      let current: string | undefined;
      const inEffect: Array<string | undefined> = [];
      for (const l of lines) {
        const fairplay = /^#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd:\/\/provider\/([0-9a-f-]{36})"/.exec(l);
        if (fairplay) current = fairplay[1];
        if (l.endsWith('.m4s')) inEffect.push(current);
      }
      expect(inEffect.length, r.name).toBeGreaterThanOrEqual(4);
      expect(inEffect, r.name).toEqual(
        inEffect.map((_, i) => (i === 0 ? undefined : kidOf(r.trackType, Math.floor(i / 2)))),
      );
      // Widevine's tag with its KEYID changes at the same points.
      const widevine = lines.filter(
        (l) => l.startsWith('#EXT-X-KEY:') && l.includes('edef8ba9-79d6-4ace-a3c8-27dcd51d21ed'),
      );
      expect(widevine.length, r.name).toBe(new Set(inEffect.filter(Boolean)).size);
    }
    const master = await readFile(join(out, 'master.m3u8'), 'utf8');
    for (const r of RENDITIONS)
      for (const p of [0, 1])
        expect(master).toContain(`#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI="skd://provider/${kidOf(r.trackType, p)}"`);
    const mpd = await readFile(join(out, 'manifest.mpd'), 'utf8');
    const defaults = [...mpd.matchAll(/cenc:default_KID="([^"]+)"/g)].map((m) => m[1]).sort();
    expect(defaults).toEqual([kidOf('audio', 0), kidOf('sd', 0)].sort());
  });
});

describe('verify --keys proves the rotated package with its clear lead', () => {
  /** The provider's keys for this package as a CPIX document in clear (what a platform would hand over). */
  async function cpixFile(): Promise<string> {
    const file = join(dir, 'rotation.cpix.xml');
    const entries = keys.map(
      (k) =>
        `<cpix:ContentKey kid="${k.kid}" commonEncryptionScheme="cbcs"><cpix:Data><pskc:Secret><pskc:PlainValue>${speke.keys.get(k.kid)!.toString('base64')}</pskc:PlainValue></pskc:Secret></cpix:Data></cpix:ContentKey>`,
    );
    await writeFile(
      file,
      `<?xml version="1.0" encoding="UTF-8"?><cpix:CPIX xmlns:cpix="urn:dashif:org:cpix" xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc" version="2.3"><cpix:ContentKeyList>${entries.join('')}</cpix:ContentKeyList></cpix:CPIX>`,
      { mode: 0o600 },
    );
    return file;
  }

  it('every period decrypted with its own key and decoded; a later-period segment altered inside a sample is named', async () => {
    const cpix = await cpixFile();
    const good = await runCli(['verify', out, '--keys', cpix, '--json'], dir);
    expect(good.code, good.stderr + good.stdout).toBe(0);
    const encrypted = manifest.files.filter((f) => f.kind === 'segment' && f.keyId).length;
    // The clear lead carries no key ID; every other segment is decrypted (inits are not counted).
    expect(manifest.files.some((f) => f.kind === 'segment' && !f.keyId)).toBe(true);
    expect((JSON.parse(good.stdout) as { decrypted: { files: number } }).decrypted.files).toBe(encrypted);
    const altered = join(dir, 'altered');
    await cp(out, altered, { recursive: true });
    const later = manifest.files.find((f) => f.kind === 'segment' && f.keyId === kidOf('sd', 1))!;
    const bytes = await readFile(join(altered, later.path));
    const mdat = bytes.indexOf(Buffer.from('mdat')) - 4;
    const at = mdat + 8 + Math.floor(bytes.readUInt32BE(mdat) / 2);
    for (let i = 0; i < 64; i++) bytes[at + i] = bytes[at + i]! ^ 0xa5;
    await writeFile(join(altered, later.path), bytes);
    const bad = await runCli(['verify', altered, '--keys', cpix], dir);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.stderr).toContain(later.path);
  }, 120_000);
});
