/**
 * Old masters made right through the real pipeline (the built CLI's `transcode`: probe → analyse →
 * plan → encode → verify): a telecined master flagged progressive comes out at 23.976 with no
 * combing on the top rung, a letterboxed one cropped (its display aspect kept), quiet and hot mixes
 * at the target loudness — each measured on the package itself (idet, ffprobe, ebur128), never by
 * the analysis that decided — and an operator's overrides are obeyed. Masters: 6 s at 360p
 * (test/helpers/masters.ts, makeContentMaster).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ContentDecisions, QcFinding } from '../../electron/common/analysis';
import { combedShare, videoOf } from '../helpers/picture-measure';
import { makeContentMaster, type ContentMasterKind } from '../helpers/masters';
import { tempDir } from '../helpers/station';
import { CLI_ENV, runCli } from '../helpers/cli';
import defaultSpec from '../../resources/delivery-spec.json';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await tempDir('ingest-content-');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Result {
  out: string;
  qc?: QcFinding[];
  decisions: ContentDecisions;
  ladder: { rungs: Array<{ name: string; width: number; height: number }> };
  stderr: string;
}

async function transcode(
  kind: ContentMasterKind,
  flags: string[] = [],
  name: string = kind,
  ok = true,
): Promise<Result & { code: number; error?: { message: string } }> {
  const out = join(dir, name);
  const r = await runCli(['transcode', await makeContentMaster(kind), '--out', out, '--json', ...flags], dir);
  if ((r.code === 0) !== ok) throw new Error(`transcode ${kind} exited ${r.code}: ${r.stderr.slice(-1500)}`);
  return { out, ...JSON.parse(r.stdout), stderr: r.stderr, code: r.code };
}

/** A rendition's init and segments joined into one playable file. */
async function joined(folder: string): Promise<string> {
  const names = (await readdir(folder)).filter((n) => /^seg_\d+\.m4s$/.test(n)).sort();
  const parts = await Promise.all(['init.mp4', ...names].map((n) => readFile(join(folder, n))));
  const file = `${folder}.mp4`;
  await writeFile(file, Buffer.concat(parts));
  return file;
}

async function topRung(r: Result): Promise<string> {
  return joined(join(r.out, r.ladder.rungs[0]!.name));
}

async function firstAudio(r: Result): Promise<string> {
  const [name] = await readdir(join(r.out, 'audio'));
  return joined(join(r.out, 'audio', name!));
}

/** Integrated loudness and true peak of the package's audio, by ffmpeg's ebur128 meter. */
async function loudnessOf(path: string): Promise<{ i: number; tp: number }> {
  const { stderr } = await run('ffmpeg', [
    '-hide_banner',
    '-nostdin',
    '-i',
    path,
    '-af',
    'ebur128=peak=true',
    '-f',
    'null',
    '-',
  ]);
  const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
  const i = Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)?.[1]);
  const tp = Number(/Peak:\s+(-?[\d.]+) dBFS/.exec(summary)?.[1]);
  return { i, tp };
}

describe('old masters through the pipeline', () => {
  it('telecined, flagged progressive → the top rung at 24000/1001 with ≤ 10 % combed frames', async () => {
    const master = await makeContentMaster('telecined');
    const r = await transcode('telecined');
    expect(r.decisions.scan.value).toMatchObject({ action: 'ivtc' });
    expect(r.stderr).toMatch(/picture: telecine: 3:2 pattern in \d+ % of sampled frames/);
    const top = await topRung(r);
    const [before, after] = [await combedShare(master), await combedShare(top)];
    console.log(
      `pipeline telecined: combed ${(before * 100).toFixed(1)} % → ${(after * 100).toFixed(1)} % on the top rung`,
    );
    expect(before).toBeGreaterThan(0.5);
    expect(after).toBeLessThanOrEqual(0.1);
    expect((await videoOf(top)).rate).toBe('24000/1001');
  });

  it('interlaced 25i flagged progressive → deinterlaced at the field rate, ≤ 10 % combed', async () => {
    const r = await transcode('interlaced');
    expect(r.decisions.scan.value).toMatchObject({ action: 'deinterlace', rate: 'field' });
    const top = await topRung(r);
    const after = await combedShare(top);
    console.log(`pipeline interlaced: ${(after * 100).toFixed(1)} % combed at ${(await videoOf(top)).rate}`);
    expect(after).toBeLessThanOrEqual(0.1);
    expect((await videoOf(top)).rate).toBe('50/1');
  });

  it('letterboxed 2.39 in 16:9 → cropped: the top rung within 3 % of the picture’s aspect', async () => {
    const r = await transcode('letterbox');
    expect(r.decisions.crop.value).toEqual({ w: 640, h: 268, x: 0, y: 46 });
    const v = await videoOf(await topRung(r));
    const error = Math.abs(v.width / v.height / (640 / 268) - 1);
    console.log(`pipeline letterbox: top rung ${v.width}×${v.height}, aspect error ${(error * 100).toFixed(2)} %`);
    expect(error).toBeLessThanOrEqual(0.03);
  });

  it('quiet (−41) and hot (−14) mixes → −24 LUFS ±1 LU, true peak under −2 dBTP, measured on the package', async () => {
    for (const kind of ['quiet', 'hot'] as const) {
      const r = await transcode(kind);
      const { i, tp } = await loudnessOf(await firstAudio(r));
      console.log(`pipeline ${kind}: ${i.toFixed(2)} LUFS, true peak ${tp.toFixed(1)} dBTP`);
      expect(Math.abs(i - -24)).toBeLessThanOrEqual(1);
      expect(tp).toBeLessThanOrEqual(-2);
    }
  });

  it('a clean, progressive, full-frame master with a normal mix is left as it is', async () => {
    const r = await transcode('clean');
    expect(r.decisions.scan.value).toEqual({ action: 'none' });
    expect(r.decisions.crop.value).toBeUndefined();
    expect(r.decisions.loudness.map((l) => l.value.gainDb)).toEqual([0]);
    const v = await videoOf(await topRung(r));
    expect(v).toMatchObject({ rate: '24/1', width: 640, height: 360 });
    const before = await loudnessOf(await makeContentMaster('clean'));
    const after = await loudnessOf(await firstAudio(r));
    console.log(`pipeline clean: ${before.i.toFixed(2)} → ${after.i.toFixed(2)} LUFS, 640×360 at 24/1, no filter`);
    expect(Math.abs(after.i - before.i)).toBeLessThanOrEqual(0.5);
  });

  it('overrides are obeyed: --crop none keeps the whole frame, --loudness off leaves the mix, --no-ivtc deinterlaces', async () => {
    const boxed = await transcode('letterbox', ['--crop', 'none'], 'letterbox-none');
    expect(boxed.decisions.crop.source).toBe('override');
    expect(boxed.decisions.crop.value).toBeUndefined();
    expect(await videoOf(await topRung(boxed))).toMatchObject({ width: 640, height: 360 });
    const quiet = await transcode('quiet', ['--loudness', 'off'], 'quiet-off');
    const { i } = await loudnessOf(await firstAudio(quiet));
    expect(i).toBeLessThan(-38);
    const tele = await transcode('telecined', ['--no-ivtc'], 'telecined-no-ivtc');
    expect(tele.decisions.scan).toMatchObject({ value: { action: 'deinterlace' }, source: 'override' });
    expect((await videoOf(await topRung(tele))).rate).not.toBe('24000/1001');
  });

  it('a bad override is a usage error that says what the flag takes', async () => {
    const r = await runCli(
      ['transcode', await makeContentMaster('clean'), '--out', join(dir, 'bad'), '--crop', '3:3:0:0'],
      dir,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--crop 3:3:0:0: every number must be even/);
  });

  it('QC rides along the encode: black, freeze, silence and clipping named within ±1 s, a thumbnail per picture finding', async () => {
    const r = await transcode('qc');
    const found = r.qc ?? [];
    for (const f of found) console.log(`pipeline qc: ${f.kind} ${f.start}–${f.end} s (${f.severity}): ${f.detail}`);
    const near = (kind: QcFinding['kind'], start: number, end: number) =>
      found.find((f) => f.kind === kind && Math.abs(f.start - start) <= 1 && Math.abs(f.end - end) <= 1);
    expect(near('black', 6, 10), 'black 6–10 s').toBeDefined();
    expect(near('freeze', 12, 16), 'freeze 12–16 s').toBeDefined();
    expect(near('silence', 18, 21.5), 'silence 18–21.5 s').toBeDefined();
    expect(near('clipping', 2, 3), 'clipping 2–3 s').toBeDefined();
    expect(r.stderr).toMatch(/qc warn: black 0:06–0:1\d: /);
    const thumb = near('black', 6, 10)!.thumbnail;
    expect(thumb).toMatch(/^qc-black-\d+\.jpg$/);
    const { stdout } = await run('find', [CLI_ENV.XDG_CACHE_HOME, '-name', thumb!]);
    expect(stdout.trim()).not.toBe('');
  });

  it('a finding the spec rejects stops the title before its playlists, with a sentence', async () => {
    const spec = join(dir, 'strict-spec.json');
    const strict = {
      ...defaultSpec,
      qc: { ...defaultSpec.qc, black: { ...defaultSpec.qc.black, severity: 'reject' } },
    };
    await writeFile(spec, JSON.stringify(strict));
    const config = join(dir, 'strict.json');
    const work = join(dir, 'strict-work');
    await writeFile(
      config,
      JSON.stringify({
        destinations: { none: { type: 'folder', path: join(work, 'none') } },
        origin: 'none',
        workDir: work,
        specPath: spec,
      }),
    );
    const r = await transcode('qc', ['--config', config], 'qc-strict', false);
    expect(r.code).toBe(1);
    expect(r.error?.message).toMatch(/^QC rejected the master: .*black.* no playlist was published/);
    expect(await readdir(r.out).catch(() => [])).not.toContain('master.m3u8');
  });
});
