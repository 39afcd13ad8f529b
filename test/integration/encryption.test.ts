/**
 * AES-128 packages (RFC 8216 §4.3.2.4) made by the real pipeline: every media segment encrypted
 * whole with its own IV, EXT-X-MAP (clear init) before EXT-X-KEY, keys rotated every N segments
 * and kept on the station (owner-only, exported as JSON and CPIX), the manifest holding the hashes
 * of both the bytes the origin holds and the clear segments — and, delivered to an origin and an
 * archive, no key anywhere at either.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createDecipheriv, createHash } from 'node:crypto';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../helpers/cli';
import { makeMaster } from '../helpers/masters';
import { tempDir } from '../helpers/station';
import type { Manifest } from '../../electron/common/manifest';
import type { KeyFile } from '../../electron/engine/package/encryption';
import { verifyPackage } from '../../electron/engine/verify/verify-package';

const run = promisify(execFile);

let dir: string;
let pkg: string;
let out: { keys: string; cpix: string; renditions: Array<{ type: string; name: string }> };
let keyFile: KeyFile;

beforeAll(async () => {
  dir = await tempDir('ingest-enc-');
  const master = await makeMaster({ seconds: 8 });
  pkg = join(dir, 'pkg');
  const config = join(dir, 'station.json');
  await writeFile(
    config,
    JSON.stringify({
      destinations: { none: { type: 'folder', path: join(dir, 'unused') } },
      origin: 'none',
      workDir: join(dir, 'work'),
      keysDir: join(dir, 'keys'),
    }),
  );
  const r = await runCli(
    [
      'transcode',
      master,
      '--out',
      pkg,
      '--config',
      config,
      '--profile',
      'preview',
      '--segment',
      '2',
      '--encrypt',
      '--key-uri',
      'https://keys.example/k/{keyId}',
      '--rotate-keys',
      '2',
      '--json',
    ],
    dir,
  );
  expect(r.code, r.stderr).toBe(0);
  out = JSON.parse(r.stdout);
  keyFile = JSON.parse(await readFile(out.keys, 'utf8')) as KeyFile;
});

const decrypt = (bytes: Buffer, keyHex: string, ivHex: string): Buffer => {
  const d = createDecipheriv('aes-128-cbc', Buffer.from(keyHex, 'hex'), Buffer.from(ivHex, 'hex'));
  return Buffer.concat([d.update(bytes), d.final()]);
};

describe('AES-128 packages', () => {
  it('media playlists: the clear init first, then a key per rotation period, an explicit IV on every segment', async () => {
    const text = await readFile(join(pkg, '360p', 'index.m3u8'), 'utf8');
    const lines = text.split('\n');
    const map = lines.findIndex((l) => l.startsWith('#EXT-X-MAP:'));
    const firstKey = lines.findIndex((l) => l.startsWith('#EXT-X-KEY:'));
    expect(map).toBeGreaterThan(0);
    expect(firstKey).toBeGreaterThan(map);
    const keyLines = lines.filter((l) => l.startsWith('#EXT-X-KEY:'));
    // 4 segments, a new key every 2: two periods; IVs on each segment's own key line.
    expect(keyLines).toHaveLength(4);
    const ivs = keyLines.map((l) => /IV=0x([0-9a-f]{32})/i.exec(l)![1]!.toLowerCase());
    const uris = keyLines.map((l) => /URI="([^"]+)"/.exec(l)![1]!);
    expect(new Set(uris).size).toBe(2);
    for (const u of uris) expect(u).toMatch(/^https:\/\/keys\.example\/k\/[0-9a-f-]{36}$/);
    expect(keyLines.every((l) => l.includes('METHOD=AES-128'))).toBe(true);
    // Every IV in the title is its own (all rungs, all audio).
    const all: string[] = [];
    for (const f of await readdir(pkg, { recursive: true })) {
      if (!String(f).endsWith('index.m3u8') || String(f) === 'master.m3u8') continue;
      for (const m of (await readFile(join(pkg, String(f)), 'utf8')).matchAll(/IV=0x([0-9a-fA-F]{32})/g))
        all.push(m[1]!.toLowerCase());
    }
    expect(all.length).toBeGreaterThanOrEqual(4 * 3);
    expect(new Set(all).size).toBe(all.length);
    expect(new Set(ivs).size).toBe(ivs.length);
    // Encrypted packages are HLS only, without I-frame playlists (byte ranges cannot address AES-CBC segments).
    expect(await readFile(join(pkg, 'master.m3u8'), 'utf8')).not.toContain('I-FRAME');
  });

  it('each segment decrypts with its key and IV to the clear bytes the manifest names, which decode; the init is clear', async () => {
    const manifest = JSON.parse(await readFile(join(pkg, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.encryption).toMatchObject({ method: 'AES-128', keyUri: 'https://keys.example/k/{keyId}' });
    expect((manifest.encryption as { keyIds: string[] }).keyIds.sort()).toEqual(
      keyFile.keys.map((k) => k.keyId).sort(),
    );
    const segments = manifest.files.filter((f) => f.kind === 'segment' && !f.path.endsWith('.vtt'));
    expect(segments.length).toBeGreaterThan(0);
    for (const f of segments) {
      const bytes = await readFile(join(pkg, f.path));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
      const key = keyFile.keys.find((k) => k.keyId === f.keyId)!;
      const clear = decrypt(bytes, key.key, f.iv!);
      expect(createHash('sha256').update(clear).digest('hex'), f.path).toBe(f.clear!.sha256);
      expect(clear.length).toBe(f.clear!.size);
    }
    // The first 360p segment, decrypted, decodes behind the clear init segment.
    const first = segments.find((f) => f.path === '360p/seg_00000.m4s')!;
    const key = keyFile.keys.find((k) => k.keyId === first.keyId)!;
    const probe = join(dir, 'first.mp4');
    await writeFile(
      probe,
      Buffer.concat([
        await readFile(join(pkg, '360p', 'init.mp4')),
        decrypt(await readFile(join(pkg, first.path)), key.key, first.iv!),
      ]),
    );
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-count_frames',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=nb_read_frames',
      '-of',
      'csv=p=0',
      probe,
    ]);
    expect(Number(stdout.trim())).toBe(48);
    // Encrypted bytes do not decode on their own.
    await writeFile(
      probe,
      Buffer.concat([await readFile(join(pkg, '360p', 'init.mp4')), await readFile(join(pkg, first.path))]),
    );
    const raw = await run('ffprobe', [
      '-v',
      'error',
      '-count_frames',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=nb_read_frames',
      '-of',
      'csv=p=0',
      probe,
    ]).catch((e: { stdout: string }) => e);
    expect(Number(raw.stdout?.trim()) || 0).toBeLessThan(48);
  });

  it('keys stay on the station: owner-only files, a key export and a CPIX document naming every key', async () => {
    expect(out.keys).toBe(join(dir, 'keys', `${keyFile.titleId}--${keyFile.version}.keys.json`));
    expect((await stat(out.keys)).mode & 0o777).toBe(0o600);
    expect((await stat(out.cpix)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'keys'))).mode & 0o777).toBe(0o700);
    const cpix = await readFile(out.cpix, 'utf8');
    for (const k of keyFile.keys) {
      expect(cpix).toContain(`<cpix:ContentKey kid="${k.keyId}">`);
      expect(cpix).toContain(Buffer.from(k.key, 'hex').toString('base64'));
    }
    // A key every 2 segments of the title: the audio's short tail segment (index 4) has the third.
    expect(keyFile.keys.map((k) => k.fromSegment)).toEqual([0, 2, 4]);
    // No key in the package (the origin's copy of it).
    await expectNoKeyIn(pkg, keyFile);
  });

  it('verify decodes through the keys; without them it proves the bytes and says what it did not decode', async () => {
    const withKeys = await runCli(['verify', pkg, '--keys', join(dir, 'keys'), '--json'], dir);
    expect(withKeys.code, withKeys.stderr).toBe(0);
    expect((JSON.parse(withKeys.stdout) as { segmentsChecked: number }).segmentsChecked).toBeGreaterThan(0);
    // No keys at hand: sizes and hashes still proven, nothing decoded, and the result says so.
    const blind = await verifyPackage({ packageDir: pkg, ffprobePath: 'ffprobe', mode: 'check' });
    expect(blind.problems).toEqual([]);
    expect(blind.segmentsChecked).toBe(0);
    expect(blind.filesHashed).toBeGreaterThan(10);
    expect(blind.notes).toEqual([
      'the segments are encrypted and no keys were given: they were checked by size and hash, not decoded',
    ]);
    // A keys folder that does not hold them: refused, naming the folder.
    await mkdir(join(dir, 'no-keys-here'), { recursive: true });
    const without = await runCli(['verify', pkg, '--keys', join(dir, 'no-keys-here'), '--json'], dir);
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/undecodable — the package is encrypted and 3 of its 3 keys are not in /);
    // A --keys path that is not there at all is the operator's slip, said as such (exit 2).
    const nowhere = await runCli(['verify', pkg, '--keys', join(dir, 'nowhere')], dir);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/--keys .*nowhere does not exist: give the CPIX document/);
  });

  it('delivered to an origin and an archive: no key object and no key bytes at either; the audit is clean', async () => {
    const master = await makeMaster({ seconds: 4, name: 'Encrypted Film.mp4' });
    const config = join(dir, 'deliver.json');
    await writeFile(
      config,
      JSON.stringify({
        destinations: {
          o: { type: 'folder', path: join(dir, 'origin') },
          a: { type: 'folder', path: join(dir, 'archive') },
        },
        origin: 'o',
        archive: 'a',
        workDir: join(dir, 'deliver-work'),
        profile: 'preview',
        segmentSeconds: 2,
        encryption: { enabled: true, keyUri: 'https://keys.example/{keyId}' },
      }),
    );
    const r = await runCli(['ingest', master, '--config', config, '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const report = (
      JSON.parse(r.stdout) as {
        titles: Array<{ keyExport?: string; audits: Array<{ destination: string; problems: unknown[] }> }>;
      }
    ).titles[0]!;
    expect(report.keyExport).toMatch(/deliver-work\/keys\/encrypted-film--v\d{8}T\d{6}Z-[0-9a-f]{4}\.keys\.json$/);
    const keys = JSON.parse(await readFile(report.keyExport!, 'utf8')) as KeyFile;
    await expectNoKeyIn(join(dir, 'origin'), keys);
    await expectNoKeyIn(join(dir, 'archive'), keys);
    expect(
      report.audits
        .filter((a) => a.problems.length === 0)
        .map((a) => a.destination)
        .sort(),
    ).toEqual(['a', 'o']);
  });
});

/** No file named like a key, and no file (the archive's tar included) holding a key in any encoding. */
async function expectNoKeyIn(root: string, keys: KeyFile): Promise<void> {
  const files = (await readdir(root, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  expect(files.length).toBeGreaterThan(0);
  for (const e of files) {
    expect(e.name).not.toMatch(/\.key(s\.json)?$|cpix/i);
    const bytes = await readFile(join(e.parentPath, e.name));
    for (const k of keys.keys) {
      for (const needle of [
        Buffer.from(k.key, 'hex'),
        Buffer.from(k.key),
        Buffer.from(Buffer.from(k.key, 'hex').toString('base64')),
      ]) {
        expect(bytes.includes(needle), `${e.name} holds key ${k.keyId}`).toBe(false);
      }
    }
  }
}
