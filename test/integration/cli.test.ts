/**
 * The built CLI (bin/ingest-station.js → out/cli) as a user runs it: real processes, real ffmpeg,
 * a real radosgw for --config. Exit codes: 0 success, 1 failure (reason on stderr), 2 usage.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { copyFile, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TitleReport } from '../../electron/common/report';
import { makeMaster } from '../helpers/masters';
import { freshBucket } from '../helpers/s3';
import { tempDir } from '../helpers/station';
import { BIN, runCli } from '../helpers/cli';
import { execFile } from 'node:child_process';

const cli = (args: string[], cwd: string) => runCli(args, cwd);

let dir: string;
let master: string;

beforeAll(async () => {
  dir = await tempDir('ingest-cli-');
  master = join(dir, 'Sample Title.mp4');
  await copyFile(await makeMaster({ seconds: 5 }), master);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ingest-station CLI', () => {
  it('--help lists the commands', async () => {
    const r = await cli(['--help'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: ingest-station/);
    expect(r.stdout).toMatch(/ingest \[options\] <file\.\.\.>/);
  });

  it('--version names the version and the Node it runs on; no command repeats the AWS SDK’s Node warning', async () => {
    const v = await cli(['--version'], dir);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^ingest-station \d+\.\d+\.\d+ \(Node v\d+\.\d+\.\d+; supported: Node ≥ 20\.19/);
    // Without the test environment's switch: the launcher keeps the SDK from warning on every run.
    const { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _off, ...env } = process.env;
    const r = await new Promise<string>((done) =>
      execFile(process.execPath, [BIN, 'probe', '/nonexistent.mov'], { env }, (_e, _o, stderr) => done(stderr)),
    );
    expect(r).toMatch(/REJECTED/);
    expect(r).not.toMatch(/NodeVersionSupportWarning|will require node/i);
  });

  it('exits 2 on a usage error', async () => {
    expect((await cli(['ingest'], dir)).code).toBe(2);
    expect((await cli(['frobnicate'], dir)).code).toBe(2);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ destinations: {}, origin: 'nowhere' }));
    const r = await cli(['ingest', master, '--config', bad], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/origin: names destination "nowhere", which is not defined/);
  });

  it('with no config, writes the package to ./ingest-output and says where', async () => {
    const r = await cli(['ingest', master, '--json'], dir);
    expect(r.stderr).toContain(`origin: ${join(dir, 'ingest-output')}`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Sample Title · Transcode · done/);
    // The title ID keeps the name readable (Unicode letters and digits, lower case, "-" between words).
    expect(r.stderr).toContain(`done as sample-title`);
    expect(r.stderr).toContain(`master playlist at ${join(dir, 'ingest-output', 'sample-title', 'master.m3u8')}`);
    const out = JSON.parse(r.stdout) as { titles: TitleReport[] };
    const [report] = out.titles;
    expect(report!.state).toBe('done');
    expect(report!.stages.map((s) => s.state)).toEqual([
      'done',
      'done',
      'done',
      'done',
      'done',
      'done',
      'done',
      'skipped',
      'done',
      'done',
    ]);
    const files = await readdir(join(dir, 'ingest-output', 'sample-title'), { recursive: true });
    expect(files).toContain('master.m3u8');
    expect(files).toContain('title.json');
    // In the version folder: master, manifest; 360p: playlist, I-frame playlist, init, one 5 s
    // segment; audio: playlist, init, segment; thumbs (the default profile's trick play, one
    // thumbnail for 5 s): image playlist, one sheet, WebVTT track. At the title's root: the public
    // master playlist and the claim.
    expect(report!.uploads.length).toBe(14);
    expect(
      report!.uploads.filter((u) => u.key.includes('/thumbs/')).map((u) => u.key.replace(/.*\/thumbs\//, '')),
    ).toEqual(expect.arrayContaining(['index.m3u8', 'sheet-00001.jpg', 'thumbnails.vtt']));
    // The default profile measures the film: its one rung's choice is in the report.
    expect(report!.ladder!.mode).toBe('per-title');
    expect(report!.ladder!.perTitle!.rungs.map((x) => x.name)).toEqual(['360p']);
    for (const u of report!.uploads) {
      expect(u.md5).toMatch(/^[0-9a-f]{32}$/);
      const bytes = await readFile(join(dir, 'ingest-output', ...u.key.split('/')));
      expect(bytes.length).toBe(u.size);
    }
  });

  it('transcode --drm: a cbcs package with local keys, the key IDs said, the init protected', async () => {
    const out = join(dir, 'drm-out');
    const r = await cli(['transcode', master, '--out', out, '--drm', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/DRM: cbcs for .*widevine.* · keys from local/i);
    const said = JSON.parse(r.stdout) as { drm: { scheme: string; keys: Array<{ kid: string; trackType: string }> } };
    expect(said.drm.scheme).toBe('cbcs');
    // The audio-sd-hd preset asks for all three track types' keys (as MediaConvert's SPEKE v2 presets
    // do), whichever rungs this master gets; each is named on stderr.
    expect(said.drm.keys.map((k) => k.trackType).sort()).toEqual(['audio', 'hd', 'sd']);
    for (const k of said.drm.keys) expect(r.stderr).toContain(`key ID ${k.kid}`);
    const media = await readFile(join(out, '360p', 'index.m3u8'), 'utf8');
    expect(media).toMatch(/#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd:\/\//);
    expect(media).toContain('KEYFORMAT="com.apple.streamingkeydelivery"');
    const files = await readdir(join(out, '360p'));
    expect(files.filter((f) => f.endsWith('.m4s')).length).toBeGreaterThan(0);
    const init = await readFile(
      join(
        out,
        '360p',
        files.find((f) => f.startsWith('init'))!,
      ),
    );
    expect(init.includes(Buffer.from('tenc'))).toBe(true);
    expect(init.includes(Buffer.from('pssh'))).toBe(true);
  }, 120_000);

  it('verify: exit 0 on the clean package, exit 1 naming the bad segment after damage', async () => {
    const pkgDir = (await readdir(join(dir, 'ingest-work', 'jobs'))).map((j) =>
      join(dir, 'ingest-work', 'jobs', j, 'package'),
    )[0]!;
    const ok = await cli(['verify', pkgDir, '--json'], dir);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, problems: [] });
    expect(ok.stderr).toMatch(/verified — \d+ files match the manifest, \d+ segments decoded/);
    const victim = join(pkgDir, '360p', 'seg_00000.m4s');
    const bytes = await readFile(victim);
    await writeFile(victim, bytes.subarray(0, bytes.length >> 1));
    const bad = await cli(['verify', pkgDir, '--json'], dir);
    expect(bad.code).toBe(1);
    const problems = (JSON.parse(bad.stdout) as { problems: Array<{ file: string; problem: string }> }).problems;
    expect(problems.map((p) => p.file)).toEqual(expect.arrayContaining(['360p/seg_00000.m4s']));
    expect(problems.find((p) => p.problem === 'size-mismatch')?.file).toBe('360p/seg_00000.m4s');
    expect(bad.stderr).toMatch(/360p\/seg_00000\.m4s: size-mismatch/);
    await writeFile(victim, bytes);
  });

  it('uploads to an S3 destination from --config', async () => {
    const { cfg } = await freshBucket(inject('s3Endpoint'), 'cli');
    const config = join(dir, 'station.json');
    await writeFile(config, JSON.stringify({ destinations: { b2: cfg }, origin: 'b2', workDir: join(dir, 'work-s3') }));
    const r = await cli(['ingest', master, '--config', config, '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`origin: s3://${cfg.bucket}/cli at ${cfg.endpoint}`);
    expect(r.stderr).not.toContain('SKTEST');
    expect(r.stderr).toContain(`master playlist at s3://${cfg.bucket}/cli/sample-title/master.m3u8`);
    const report = (JSON.parse(r.stdout) as { titles: TitleReport[] }).titles[0]!;
    expect(report.uploads.map((u) => u.key)).toContain('sample-title/master.m3u8');
  });

  it('rejects a bad master with its reason, carries on with the good one, exits 1', async () => {
    const bad = join(dir, 'Not A Film.mov');
    await writeFile(bad, 'plain text, not media');
    const r = await cli(['ingest', bad, master, '--json'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Not A Film: failed — Not a media file ffprobe can read: Invalid data found/);
    const titles = (JSON.parse(r.stdout) as { titles: TitleReport[] }).titles;
    expect(titles.map((t) => [t.title, t.state])).toEqual([
      ['Not A Film', 'failed'],
      ['Sample Title', 'done'],
    ]);
  });
});
