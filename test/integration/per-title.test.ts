/**
 * The per-title ladder and trick play on generated 360p masters of a few seconds, with the real
 * ffmpeg: the probe and the choice, then the station's own encode (buildVideoArgs) of the fixed and
 * the per-title ladder, measured.
 *  - a quiet film (a slow pan over a still): fewer bits, quality within 0.005 SSIM of the fixed
 *    ladder's, the HLS peak within 2× the average;
 *  - the same with heavy temporal grain: the target out of reach, so the fixed ladder's settings —
 *    the same bits and the same quality, never fewer;
 *  - a soft film (detail of an eighth of its lines): the 360p rung shows nothing the 180p rung does
 *    not, and is dropped;
 *  - thumbnails, standalone and riding along an encode's decode: present, decodable, covering the
 *    film; damage of every kind found;
 *  - wired into the station (radosgw origin): the plan stage probes and stores the choice, the
 *    package's video costs less than the fixed ladder's (`ladder: fixed`) for the quiet film and
 *    more, within the profile's `maxKbps`, for the grainy one; a job stopped after its plan resumes
 *    with the stored choice; the thumbnails are in the manifest, announced, delivered, audited and
 *    repaired.
 */
import { describe, expect, inject, it } from 'vitest';
import { execFile } from 'node:child_process';
import { appendFile, mkdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import HLS from 'hls-parser';
import { ladderProfilesSchema } from '../../electron/common/profile';
import { deliverySpecSchema } from '../../electron/common/spec';
import { probeMaster } from '../../electron/engine/probe/probe-master';
import { planTranscode, type TranscodePlan } from '../../electron/engine/plan/plan';
import { probeComplexity } from '../../electron/engine/ladder/probe';
import { applyChoice, chooseLadder, chooseRungsFor } from '../../electron/engine/ladder/choose';
import { fixedRate } from '../../electron/engine/ladder/rate-control';
import { planTrickplay } from '../../electron/engine/trickplay/layout';
import {
  generateTrickplay,
  readThumbnailTimes,
  thumbnailGraph,
  thumbnailOutputArgs,
  writeTrickplayAnnouncements,
} from '../../electron/engine/trickplay/generate';
import { verifyTrickplay } from '../../electron/engine/trickplay/verify';
import {
  encodeLadder,
  makeFilm,
  progressiveSpecFile,
  rungSsim,
  segmentRates,
  type FilmKind,
} from '../helpers/per-title';
import { packageOnly, tempDir, testStation } from '../helpers/station';
import { freshBucket } from '../helpers/s3';
import { auditJob } from '../../electron/engine/audit/job-audit';
import type { Manifest } from '../../electron/common/manifest';
import type { JobRecord } from '../../electron/engine/queue/job-queue';
import profiles from '../../resources/ladder-profiles.json';
import defaultSpec from '../../resources/delivery-spec.json';

const run = promisify(execFile);
const PREVIEW = ladderProfilesSchema.parse(profiles).preview!;
const RULES = deliverySpecSchema.parse(defaultSpec).picture;
const SECONDS = 4;

async function perTitle(kind: FilmKind) {
  const master = await makeFilm({ kind, seconds: SECONDS });
  const media = (await probeMaster(master, { ffprobePath: 'ffprobe' })).media;
  const plan = planTranscode(media, { segmentSeconds: 2, profile: PREVIEW });
  const dir = await tempDir(`per-title-${kind}-`);
  const probe = await probeComplexity({
    ffmpegPath: 'ffmpeg',
    path: master,
    durationSec: SECONDS,
    videoStreamIndex: plan.videoStreamIndex,
    rungs: plan.rungs.map((r) => ({ name: r.name, width: r.width, height: r.height, capKbps: r.videoKbps })),
    encoder: plan.encoder,
    preFilters: [],
    rules: RULES,
    workDir: join(dir, 'probe'),
  });
  const choice = chooseLadder({
    probe,
    quality: PREVIEW.quality,
    rungs: chooseRungsFor(plan.rungs, PREVIEW),
    encoder: plan.encoder,
    durationSec: SECONDS,
  });
  return { master, plan, probe, choice, dir };
}

async function encodeBoth(x: Awaited<ReturnType<typeof perTitle>>) {
  const tuned: TranscodePlan = { ...x.plan, rungs: applyChoice(x.plan.rungs, x.choice) };
  const fixed = await encodeLadder(x.master, x.plan, join(x.dir, 'fixed'));
  const per = await encodeLadder(x.master, tuned, join(x.dir, 'per-title'));
  const bytes = (l: typeof fixed) => l.rungs.reduce((a, r) => a + r.bytes, 0);
  const top = async (l: typeof fixed, name: string) => rungSsim(x.master, l.rungs[0]!, join(x.dir, name));
  return {
    fixed,
    per,
    ratio: bytes(per) / bytes(fixed),
    ssim: { fixed: await top(fixed, 'ssim-fixed'), per: await top(per, 'ssim-per') },
  };
}

describe('per-title ladder', () => {
  it('a quiet film gets fewer bits at the quality the fixed ladder gives it, peaks within 2× the average', async () => {
    const x = await perTitle('pan');
    expect(x.probe.metric).toBe('ssim');
    expect(x.probe.metricReason).toMatch(/no libvmaf/);
    expect(x.probe.windows).toEqual([{ start: 0, duration: SECONDS }]);
    // The pan moves whole pixels at 360p and sub-pixel ones at 180p: the small rung needs more bits
    // for its target than the big one, so it goes (a ladder's bit rates climb with its sizes).
    expect(x.choice.rungs.map((r) => [r.name, r.keep, r.rate.kind])).toEqual([
      ['360p', true, 'quality'],
      ['180p', false, 'quality'],
    ]);
    expect(x.choice.rungs[1]!.dropped).toMatch(/^180p dropped: it needs .* no less than 360p's/);
    for (const r of x.choice.rungs) {
      expect(r.quality).toBeGreaterThanOrEqual(r.target - 1e-4);
      expect(r.predictedKbps).toBeLessThan(r.fixedKbps);
    }
    expect(x.choice.predictedBytes).toBeLessThan(x.choice.fixedBytes * 0.6);

    const e = await encodeBoth(x);
    expect(e.ratio).toBeLessThan(0.6);
    expect(e.ssim.per).toBeGreaterThanOrEqual(e.ssim.fixed - 0.005);
    for (const r of e.per.rungs) {
      const rates = await segmentRates(r, 2, SECONDS);
      expect(rates.peak / rates.average).toBeLessThanOrEqual(2);
    }
  });

  it('a grainy film keeps the fixed ladder: the target is out of reach, so nothing is taken from it', async () => {
    const x = await perTitle('grain');
    for (const r of x.choice.rungs) {
      expect(r.starved).toBe(true);
      expect(r.rate).toEqual(fixedRate(r.fixedKbps));
      expect(r.quality).toBeLessThan(r.target);
    }
    expect(x.choice.predictedBytes).toBe(x.choice.fixedBytes);
    const e = await encodeBoth(x);
    // The same settings, the same picture (x264's threads let two runs differ by ~1e-4).
    expect(e.ssim.per).toBeGreaterThanOrEqual(e.ssim.fixed - 0.001);
    expect(Math.abs(e.ratio - 1)).toBeLessThan(0.02);
  });

  it('a soft film drops the rung that shows nothing more than the one below', async () => {
    const x = await perTitle('soft');
    const [top, bottom] = x.choice.rungs;
    expect(bottom!.keep).toBe(true);
    expect(top!.keep).toBe(false);
    expect(top!.dropped).toMatch(/^360p dropped: on a 640×360 screen it measures SSIM .* for 180p/);
    expect(applyChoice(x.plan.rungs, x.choice).map((r) => r.name)).toEqual(['180p']);
  });
});

describe('trick play', () => {
  // 7 s, a thumbnail every 2 s → 4 thumbnails; 3×1 sheets → 2 sheets, the second with one.
  const layout = planTrickplay(7, 16 / 9, { intervalSec: 2, width: 160, columns: 3, rows: 1 });

  it('standalone: sheets present and decodable, thumbnails covering the film, both announcements parse', async () => {
    const dir = await tempDir('trickplay-');
    const master = await makeFilm({ kind: 'pan', seconds: 7 });
    const files = await generateTrickplay({
      ffmpegPath: 'ffmpeg',
      path: master,
      videoStreamIndex: 0,
      preFilters: [],
      layout,
      dir: join(dir, 'thumbs'),
      workDir: join(dir, 'work'),
    });
    expect(files.sheets).toEqual(['sheet-00001.jpg', 'sheet-00002.jpg']);
    expect(files.times!.map((t) => t.time)).toEqual([0, 2, 4, 6]);
    expect(files.streamInf).toMatch(
      /^#EXT-X-IMAGE-STREAM-INF:BANDWIDTH=\d+,AVERAGE-BANDWIDTH=\d+,RESOLUTION=160x90,CODECS="jpeg"/,
    );
    const thumbs = join(dir, 'thumbs');
    expect(await verifyTrickplay({ ffmpegPath: 'ffmpeg', dir: thumbs, layout, times: files.times! })).toEqual([]);
    const playlist = HLS.parse(await readFile(join(thumbs, 'index.m3u8'), 'utf8')) as HLS.types.MediaPlaylist;
    expect(playlist.segments.reduce((a, s) => a + s.duration, 0)).toBeCloseTo(7, 3);

    // Damage of every kind is found, each with its file.
    await truncate(join(thumbs, 'sheet-00001.jpg'), 2000);
    await rm(join(thumbs, 'sheet-00002.jpg'));
    await writeFile(join(thumbs, 'sheet-00003.jpg'), 'not a picture');
    await appendFile(
      join(thumbs, 'thumbnails.vtt'),
      '\n00:00:07.000 --> 00:00:09.000\nsheet-00003.jpg#xywh=0,0,160,90\n',
    );
    const problems = await verifyTrickplay({
      ffmpegPath: 'ffmpeg',
      dir: thumbs,
      layout,
      times: files.times!.slice(0, 3),
    });
    expect(problems.map((p) => [p.file, p.problem])).toEqual([
      ['thumbs/sheet-00003.jpg', 'stray'],
      ['thumbs/sheet-00001.jpg', 'undecodable'],
      ['thumbs/sheet-00002.jpg', 'missing'],
      ['thumbs', 'duration-mismatch'],
      ['thumbs/thumbnails.vtt', 'unparsable'],
    ]);
  });

  it('a film that ends early in its last interval still gets that thumbnail (5 s every 4 s: two)', async () => {
    // Fails on ffmpeg's default fps end (the end rounded to the nearest interval): one thumbnail.
    const dir = await tempDir('trickplay-end-');
    const short = planTrickplay(5, 16 / 9, { intervalSec: 4, width: 160, columns: 2, rows: 1 });
    const files = await generateTrickplay({
      ffmpegPath: 'ffmpeg',
      path: await makeFilm({ kind: 'pan', seconds: 5 }),
      videoStreamIndex: 0,
      preFilters: [],
      layout: short,
      dir: join(dir, 'thumbs'),
      workDir: join(dir, 'work'),
    });
    expect(files.times!.map((t) => t.time)).toEqual([0, 4]);
    const verified = { ffmpegPath: 'ffmpeg', dir: join(dir, 'thumbs'), layout: short, times: files.times! };
    expect(await verifyTrickplay(verified)).toEqual([]);
  });

  it("rides along an encode's decode: one ffmpeg makes a rung and the sheets", async () => {
    const dir = await tempDir('trickplay-ride-');
    const master = await makeFilm({ kind: 'pan', seconds: 7 });
    const graph = `[0:v]split=2[enc][tp];[enc]scale=320:180,format=yuv420p[v];${thumbnailGraph('[tp]', layout, 'sheets', 'times.txt')}`;
    // image2 writes into a folder that exists (the encode's package folder does).
    await mkdir(join(dir, 'thumbs'));
    const rung = ['-map', '[v]', '-c:v', 'libx264', '-preset', 'ultrafast', join(dir, 'rung.mp4')];
    const sheets = thumbnailOutputArgs('sheets', join(dir, 'thumbs'));
    await run('ffmpeg', ['-hide_banner', '-v', 'error', '-i', master, '-filter_complex', graph, ...rung, ...sheets], {
      cwd: dir,
      timeout: 120_000,
    });
    expect((await stat(join(dir, 'rung.mp4'))).size).toBeGreaterThan(0);
    await writeTrickplayAnnouncements(join(dir, 'thumbs'), layout);
    const times = await readThumbnailTimes(join(dir, 'times.txt'));
    expect(times.map((t) => t.time)).toEqual([0, 2, 4, 6]);
    expect(await verifyTrickplay({ ffmpegPath: 'ffmpeg', dir: join(dir, 'thumbs'), layout, times })).toEqual([]);
  });
});

/** A profile like the tests' preview ladder (360p + 180p), per-title, with a thumbnail every 2 s, one per sheet. */
async function profileFile(dir: string, extra: { maxKbps?: [number, number] } = {}): Promise<string> {
  const path = join(dir, 'per-title-profile.json');
  const [max360, max180] = extra.maxKbps ?? [];
  await writeFile(
    path,
    JSON.stringify({
      rungs: [
        { height: 360, kbps: 800, ...(max360 ? { maxKbps: max360 } : {}) },
        { height: 180, kbps: 250, ...(max180 ? { maxKbps: max180 } : {}) },
      ],
      audioKbps: 96,
      ladder: 'per-title',
      trickplay: { intervalSec: 2, width: 160, columns: 1, rows: 1 },
    }),
  );
  return path;
}

const videoBytes = (m: Manifest) =>
  m.files.filter((f) => f.rendition && /^\d+p$/.test(f.rendition)).reduce((a, f) => a + f.size, 0);
const manifestOf = async (job: JobRecord) =>
  JSON.parse(await readFile(join(job.packageDir!, 'manifest.json'), 'utf8')) as Manifest;

describe('per-title and trick play in the pipeline', () => {
  it('an easy film: the plan stores the choice, its rungs cost less than the fixed ladder, thumbnails delivered and audited', async () => {
    const dir = await tempDir('per-title-pipeline-');
    const master = await makeFilm({ kind: 'pan', seconds: SECONDS, audio: true });
    const profile = await profileFile(dir);
    const origin = await freshBucket(inject('s3Endpoint'), 'titles');
    const station = await testStation(dir, origin.cfg, undefined, {
      profile,
      specPath: await progressiveSpecFile(dir),
    });
    try {
      const [added] = await station.queue.add([master]);
      const done = await station.queue.waitFor(added!.id);
      expect(done.state, done.error?.message).toBe('done');
      const job = station.queue.get(added!.id)!;
      expect(job.plan!.perTitle!.metric).toBe('ssim');
      expect(job.plan!.rungs.map((r) => [r.name, r.rate?.kind])).toEqual([['360p', 'quality']]);
      // Shown: the summary (UI, --json) and the report carry each rung's rate, quality and saving.
      const shown = job.report!.ladder!.perTitle!;
      expect(job.ladder!.mode).toBe('per-title');
      for (const r of shown.rungs) {
        expect(r.kbps).toBeLessThan(r.fixedKbps);
        expect(r.quality).toBeGreaterThanOrEqual(r.target - 1e-4);
        expect(r.savedBytes).toBeGreaterThan(0);
      }
      expect(shown.chart.series.map((s) => s.points.length)).toEqual([3, 3]);

      // The same master through the fixed ladder (`ladder: fixed` in the config): more video bytes.
      const fixed = await packageOnly(master, join(dir, 'fixed-work'), {
        profile,
        ladder: 'fixed',
        specPath: await progressiveSpecFile(dir),
      });
      expect(fixed.plan!.perTitle).toBeUndefined();
      expect(fixed.ladder!.mode).toBe('fixed');
      const perBytes = videoBytes(await manifestOf(job));
      expect(perBytes).toBeLessThan(videoBytes(await manifestOf(fixed)) * 0.6);

      // Trick play: in the manifest, announced by the master playlist, at the origin, audited.
      const manifest = await manifestOf(job);
      const thumbs = manifest.files.filter((f) => f.rendition === 'thumbs').map((f) => [f.path, f.kind]);
      expect(thumbs).toEqual([
        ['thumbs/index.m3u8', 'image-playlist'],
        ['thumbs/sheet-00001.jpg', 'thumbnail-sheet'],
        ['thumbs/sheet-00002.jpg', 'thumbnail-sheet'],
        ['thumbs/thumbnails.vtt', 'thumbnail-track'],
      ]);
      const slug = `${job.claim!.titleId}/${job.claim!.version}`;
      const masterPl = Buffer.from(await station.origin.read(`${slug}/master.m3u8`)).toString('utf8');
      expect(masterPl).toMatch(/#EXT-X-IMAGE-STREAM-INF:BANDWIDTH=\d+,.*URI="thumbs\/index.m3u8"/);
      // HLS authoring: each variant's measured peak within 2× its average.
      const variants = [...masterPl.matchAll(/#EXT-X-STREAM-INF:BANDWIDTH=(\d+),AVERAGE-BANDWIDTH=(\d+)/g)];
      expect(variants).toHaveLength(1);
      for (const v of variants) expect(Number(v[1]) / Number(v[2])).toBeLessThanOrEqual(2);
      expect(job.audits!.map((a) => [a.destination, a.problems.length])).toEqual([['origin', 0]]);
      // A sheet lost at the origin is found by the audit and put back by the repair.
      await station.origin.delete(`${slug}/thumbs/sheet-00002.jpg`);
      const [found, repaired] = await auditJob(job, station.auditContext, { repair: true });
      expect(found!.problems.map((p) => [p.key, p.problem])).toEqual([[`${slug}/thumbs/sheet-00002.jpg`, 'missing']]);
      expect(repaired!.problems).toEqual([]);
      expect(
        Buffer.from(await station.origin.read(`${slug}/thumbs/sheet-00002.jpg`)).equals(
          await readFile(join(job.packageDir!, 'thumbs', 'sheet-00002.jpg')),
        ),
      ).toBe(true);
    } finally {
      await station.close();
    }
  });

  it('a grainy film gets more bits than the fixed ladder, never above the cap', async () => {
    const dir = await tempDir('per-title-grain-');
    const master = await makeFilm({ kind: 'grain', seconds: SECONDS, audio: true });
    const job = await packageOnly(master, join(dir, 'work'), {
      profile: await profileFile(dir, { maxKbps: [1000, 320] }),
      specPath: await progressiveSpecFile(dir),
    });
    const rungs = job.plan!.perTitle!.rungs;
    expect(rungs.map((r) => [r.name, r.starved, r.rate])).toEqual([
      ['360p', true, { kind: 'abr', kbps: 1000, maxKbps: 1200, bufKbps: 2000 }],
      ['180p', true, { kind: 'abr', kbps: 320, maxKbps: 384, bufKbps: 640 }],
    ]);
    for (const r of job.ladder!.perTitle!.rungs) expect(r.savedBytes).toBeLessThan(0);
    // What was made: more than the fixed 800 + 250 kb/s would, within the caps' 1.2× peak.
    const kbps = (videoBytes(await manifestOf(job)) * 8) / SECONDS / 1000;
    expect(kbps).toBeGreaterThan(800 + 250);
    expect(kbps).toBeLessThanOrEqual((1000 + 320) * 1.2);
  });

  it('a resumed job never chooses again: the stored choice is what the encode uses', async () => {
    const dir = await tempDir('per-title-resume-');
    const master = await makeFilm({ kind: 'pan', seconds: SECONDS, audio: true });
    const extra = { profile: await profileFile(dir), specPath: await progressiveSpecFile(dir) };
    const origin = await freshBucket(inject('s3Endpoint'), 'titles');
    const first = await testStation(dir, origin.cfg, undefined, extra);
    const [added] = await first.queue.add([master]);
    const id = added!.id;
    // Stopped as soon as the plan is recorded (the transcode is under way or about to be).
    await new Promise<void>((resolve) => {
      const off = first.queue.onUpdate((j) => {
        if (j.id !== id || j.stages.plan.state !== 'done') return;
        off();
        resolve();
      });
    });
    await first.close();
    const stored = await readStoredJob(join(dir, 'work'), id);
    expect(stored.plan!.perTitle).toBeDefined();
    const second = await testStation(dir, origin.cfg, undefined, extra);
    try {
      const done = await second.queue.waitFor(id);
      expect(done.state, done.error?.message).toBe('done');
      const job = second.queue.get(id)!;
      expect(job.stages.plan.startedAt).toBe(stored.stages.plan.startedAt);
      expect(job.plan!.perTitle).toEqual(stored.plan!.perTitle);
      expect(job.plan!.rungs).toEqual(stored.plan!.rungs);
    } finally {
      await second.close();
    }
  });
});

/** The job's last record in the work folder's job list (what a restarted station reads). */
async function readStoredJob(workDir: string, id: string): Promise<JobRecord> {
  const lines = (await readFile(join(workDir, 'jobs.jsonl'), 'utf8')).split('\n').filter(Boolean);
  return lines
    .map((l) => JSON.parse(l) as JobRecord)
    .filter((r) => r.id === id)
    .at(-1)!;
}
