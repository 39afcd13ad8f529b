/**
 * Streamed stages, measured in one run against the same station with its stages in sequence:
 *  - overlap: a generated 60 s 1080p master (≈ 150 MB) through the whole pipeline to radosgw
 *    (origin + DEEP_ARCHIVE archive), with the station's bandwidth limit set so that the uploads
 *    take about as long as the encode; intake → audited-done, streamed vs in sequence. Target ≤ 0.65×.
 *  - resume: `transcode` killed (SIGKILL) at ~60 % of its encode and run again: the rerun's encode
 *    time against a full encode (target ≤ 0.5×), and the finished segments' bytes unchanged.
 * Also printed: the encode with one audio track and no captions against the same master with two
 * audio languages and three caption tracks (the library work's cost).
 */
import { describe, expect, inject, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stationConfigSchema } from '../../electron/common/config';
import { openStation } from '../../electron/engine/station';
import type { JobSnapshot } from '../../electron/common/jobs';
import { freshBucket, TEST_CREDENTIALS } from '../helpers/s3';
import { packageOnly, tempDir } from '../helpers/station';
import { BIN, CLI_ENV, runCli } from '../helpers/cli';
import { makeLibraryMaster } from '../helpers/masters';

const run = promisify(execFile);
const seconds = (s: JobSnapshot['stages'][keyof JobSnapshot['stages']]): number =>
  s.startedAt && s.endedAt ? (Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000 : NaN;

async function master(dir: string): Promise<string> {
  const path = join(dir, 'Bench Film.mp4');
  await run(
    'ffmpeg',
    [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=1920x1080:r=24:d=60',
      '-f',
      'lavfi',
      '-i',
      'sine=f=440:sample_rate=48000:d=60',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-b:v',
      '20M',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      path,
    ],
    { timeout: 600_000 },
  );
  return path;
}

/** One title through a fresh station (fresh buckets) to audited-done; wall time from intake. */
async function deliver(
  dir: string,
  name: string,
  source: string,
  bandwidthMBps: number,
  overlap: boolean,
): Promise<{ wall: number; job: JobSnapshot }> {
  const origin = await freshBucket(inject('s3Endpoint'), '', { partSizeMiB: 16, multipartThresholdMiB: 16 });
  const archive = await freshBucket(inject('s3Endpoint'), '', {
    partSizeMiB: 16,
    multipartThresholdMiB: 16,
    storageClass: 'DEEP_ARCHIVE',
  });
  const config = stationConfigSchema.parse({
    destinations: { origin: { ...origin.cfg, ...TEST_CREDENTIALS }, archive: { ...archive.cfg, ...TEST_CREDENTIALS } },
    origin: 'origin',
    archive: 'archive',
    workDir: join(dir, `${name}-work`),
    segmentSeconds: 6,
    bandwidthLimitMBps: bandwidthMBps,
  });
  const station = await openStation({ config, baseDir: dir, overlap });
  try {
    const t = performance.now();
    const [job] = await station.queue.add([source]);
    const done = await station.queue.waitFor(job!.id);
    const wall = (performance.now() - t) / 1000;
    expect(done.state, done.error?.message).toBe('done');
    return { wall, job: done };
  } finally {
    await station.close();
  }
}

describe('streamed stages benchmark', () => {
  it('overlap: intake → audited-done, streamed vs stages in sequence', async () => {
    const dir = await tempDir('bench-stream-');
    const source = await master(dir);
    const size = (await readFile(source)).length;
    // The encode alone (also warms the page cache and the encoder detection).
    const pkg = await packageOnly(source, join(dir, 'probe-work'), { segmentSeconds: 6, profile: 'default' });
    const encode = seconds(pkg.stages.transcode);
    const packageBytes = pkg.verified!.totalBytes;
    // Origin gets the package, the archive the master and the package as a tar.
    const sent = packageBytes * 2 + size;
    const limit = Math.max(0.5, sent / encode / 1e6);
    const sequential = await deliver(dir, 'seq', source, limit, false);
    const streamed = await deliver(dir, 'stream', source, limit, true);
    console.log(
      `overlap: 60 s 1080p master ${(size / 1e6).toFixed(0)} MB, package ${(packageBytes / 1e6).toFixed(0)} MB, encode alone ${encode.toFixed(1)} s, ` +
        `bandwidth limit ${limit.toFixed(1)} MB/s (uploads ≈ encode) → stages in sequence ${sequential.wall.toFixed(1)} s ` +
        `(transcode ${seconds(sequential.job.stages.transcode).toFixed(1)}, verify ${seconds(sequential.job.stages.verify).toFixed(1)}, origin ${seconds(sequential.job.stages.uploadOrigin).toFixed(1)}, archive ${seconds(sequential.job.stages.uploadArchive).toFixed(1)} s), ` +
        `streamed ${streamed.wall.toFixed(1)} s → ratio ${(streamed.wall / sequential.wall).toFixed(2)}× (target ≤ 0.65×)`,
    );
    await rm(dir, { recursive: true, force: true });
  });

  it('resume: a kill at ~60 % of the encode, rerun vs a full encode; finished segments unchanged', async () => {
    const dir = await tempDir('bench-resume-');
    const source = await master(dir);
    const full = await runCli(['transcode', source, '--out', join(dir, 'full'), '--segment', '6', '--json'], dir);
    expect(full.code, full.stderr).toBe(0);
    const fullEncode = Number(/Transcode · done \(([\d.]+) s\)/.exec(full.stderr)![1]);
    const cache = CLI_ENV.XDG_CACHE_HOME!;
    // Kill when 60 % of the sets are published (the journal says so, fsync'd).
    const out = join(dir, 'resumed');
    const jobsDir = join(cache, 'ingest-station', 'transcode', 'jobs');
    const earlier = new Set(await readdir(jobsDir).catch(() => [] as string[]));
    const child = spawn(process.execPath, [BIN, 'transcode', source, '--out', out, '--segment', '6'], {
      env: CLI_ENV,
      cwd: dir,
      stdio: 'ignore',
    });
    const sets = 10;
    let journal = '';
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      const jobs = (await readdir(jobsDir).catch(() => [] as string[])).filter((j) => !earlier.has(j));
      const texts = await Promise.all(
        jobs.map((j) => readFile(join(jobsDir, j, 'chunks.jsonl'), 'utf8').catch(() => '')),
      );
      journal = texts.find((t) => (t.match(/"t":"published"/g) ?? []).length >= sets * 0.6) ?? '';
      if (journal || child.exitCode !== null) break;
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const published = [...journal.matchAll(/"path":"([^"]+\.m4s)"/g)]
      .map((m) => m[1]!)
      .filter((p) => !p.startsWith('audio/'));
    const rungs = new Set(published.map((p) => p.split('/')[0])).size;
    const before = new Map(
      await Promise.all(
        published.map(
          async (p) =>
            [
              p,
              createHash('sha256')
                .update(await readFile(join(out, p)))
                .digest('hex'),
            ] as const,
        ),
      ),
    );
    const rerun = await runCli(['transcode', source, '--out', out, '--segment', '6'], dir);
    expect(rerun.code, rerun.stderr).toBe(0);
    const rerunEncode = Number(/Transcode · done \(([\d.]+) s\)/.exec(rerun.stderr)![1]);
    let unchanged = 0;
    for (const [p, sha] of before)
      if (
        createHash('sha256')
          .update(await readFile(join(out, p)))
          .digest('hex') === sha
      )
        unchanged++;
    console.log(
      `resume: full encode ${fullEncode.toFixed(1)} s; killed with ${before.size / rungs} of ${sets} sets published; rerun's encode ${rerunEncode.toFixed(1)} s → ratio ${(rerunEncode / fullEncode).toFixed(2)}× (target ≤ 0.5×); ` +
        `finished segments unchanged: ${unchanged} of ${before.size}`,
    );
    expect(unchanged).toBe(before.size);
    await rm(dir, { recursive: true, force: true });
  });

  it('library work: two audio languages and three caption tracks vs one audio track', async () => {
    const dir = await tempDir('bench-library-');
    const film = await makeLibraryMaster(dir, { seconds: 60, size: '1280x720' });
    // The same picture with only the first audio stream and no captions beside it.
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'plain'), { recursive: true });
    const plain = join(dir, 'plain', 'Plain.mp4');
    await run('ffmpeg', ['-v', 'error', '-y', '-i', film, '-map', '0:v', '-map', '0:a:0', '-c', 'copy', plain]);
    const time = async (path: string, name: string): Promise<{ s: number; bytes: number }> => {
      const t = performance.now();
      const job = await packageOnly(path, join(dir, `${name}-work`), { segmentSeconds: 6, profile: 'default' });
      return { s: (performance.now() - t) / 1000, bytes: job.verified!.totalBytes };
    };
    const one = await time(plain, 'plain');
    const lib = await time(film, 'library');
    console.log(
      `library work (60 s 720p, default ladder): one audio, no captions ${one.s.toFixed(2)} s, ${(one.bytes / 1e3).toFixed(0)} KB; two languages + three caption tracks ${lib.s.toFixed(2)} s, ${(lib.bytes / 1e3).toFixed(0)} KB → ${(lib.s / one.s).toFixed(2)}× the time`,
    );
    await rm(dir, { recursive: true, force: true });
  });
});
