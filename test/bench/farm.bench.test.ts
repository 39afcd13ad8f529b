/**
 * The farm on this machine: titles per hour with one worker and with two (two cores: expect
 * little gain — the encoders already use both), and the queue's own cost per title: the same
 * titles through `ingest-station ingest` (the local queue, one process) and through one farm
 * worker; the difference per title is what Redis, BullMQ, the fencing and the progress
 * publishing add. Real Redis, real radosgw, the built CLI.
 */
import { describe, inject, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FarmQueue } from '../../electron/engine/farm/farm-queue';
import { makeMaster } from '../helpers/masters';
import { freshBucket, TEST_CREDENTIALS } from '../helpers/s3';
import { tempDir } from '../helpers/station';
import { BIN, CLI_ENV, runCli } from '../helpers/cli';
import { startRedis } from '../helpers/redis';

const TITLES = Number(process.env.INGEST_FARM_TITLES ?? 6);

describe('farm throughput', () => {
  it('titles per hour: local ingest vs one farm worker vs two', async () => {
    const dir = await tempDir('bench-farm-');
    const redis = await startRedis(join(dir, 'redis'));
    const masters = join(dir, 'masters');
    await mkdir(masters);
    const paths: string[] = [];
    for (let i = 0; i < TITLES; i++) {
      const p = join(masters, `Bench ${i}.mp4`);
      // Distinct masters: the local queue recognises the same master dropped twice and runs it once.
      await copyFile(await makeMaster({ seconds: 8 + i }), p);
      paths.push(p);
    }
    const configFor = async (name: string): Promise<string> => {
      const origin = await freshBucket(inject('s3Endpoint'), '', {});
      const path = join(dir, `${name}.json`);
      await writeFile(
        path,
        JSON.stringify({
          destinations: { origin: { ...origin.cfg, ...TEST_CREDENTIALS } },
          origin: 'origin',
          workDir: join(dir, `work-${name}`),
          profile: 'preview',
          segmentSeconds: 2,
          activeJobs: 1,
        }),
      );
      return path;
    };
    const gaps: number[] = [];
    const farmRun = async (name: string, workers: number): Promise<number> => {
      const config = await configFor(name);
      const farm = await FarmQueue.open({ url: redis.url });
      const children: ChildProcess[] = [];
      for (let w = 0; w < workers; w++)
        children.push(
          spawn(
            process.execPath,
            [BIN, 'worker', '--queue', redis.url, '--config', config, '--name', `${name}-${w}`, '--allow', masters],
            {
              env: CLI_ENV,
              stdio: 'ignore',
            },
          ),
        );
      // Workers up (connected, station open) before the clock starts, as in a studio.
      await new Promise((r) => setTimeout(r, 3000));
      const t = performance.now();
      const added = await farm.submit(
        paths.map((p, i) => ({ id: `${name}-${i}`, masterPath: p, title: `Bench ${i}` })),
        'bench',
      );
      const submitted = Date.now() - (performance.now() - t);
      const ended = await farm.waitForAll(
        added.map((a) => a.id),
        100,
      );
      const seconds = (performance.now() - t) / 1000;
      // The queue's own time with one worker: submit → first start, and each end → the next start.
      if (workers === 1) {
        const byStart = [...ended].sort((a, b) => a.startedAt! - b.startedAt!);
        gaps.push(
          byStart[0]!.startedAt! - submitted,
          ...byStart.slice(1).map((e, i) => e.startedAt! - byStart[i]!.endedAt!),
        );
      }
      for (const c of children) c.kill('SIGTERM');
      await farm.close();
      if (ended.some((e) => e.state !== 'done'))
        throw new Error(`${name}: ${ended.map((e) => `${e.title} ${e.state} ${e.error ?? ''}`).join('; ')}`);
      return seconds;
    };
    const localConfig = await configFor('local');
    const t = performance.now();
    const local = await runCli(['ingest', ...paths, '--config', localConfig]);
    if (local.code !== 0) throw new Error(local.stderr);
    const localSeconds = (performance.now() - t) / 1000;
    const one = await farmRun('one', 1);
    const two = await farmRun('two', 2);
    const perHour = (s: number): string => ((TITLES / s) * 3600).toFixed(0);
    console.log(
      [
        `${TITLES} titles (${8}–${8 + TITLES - 1} s 640×360, preview ladder, origin on radosgw), ${process.env.INGEST_BENCH_CORES ?? 'this machine'}:`,
        `  local ingest (one process, local queue): ${localSeconds.toFixed(1)} s → ${perHour(localSeconds)} titles/hour`,
        `  farm, 1 worker: ${one.toFixed(1)} s → ${perHour(one)} titles/hour`,
        `  farm, 2 workers: ${two.toFixed(1)} s → ${perHour(two)} titles/hour (${(one / two).toFixed(2)}× one worker)`,
        `  the queue's own time per title (1 worker): ${(gaps.reduce((a, b) => a + b, 0) / gaps.length).toFixed(0)} ms from one title's end (or the submit) to the next one's start (max ${Math.max(...gaps)} ms)`,
        `  farm 1 worker − local ingest: ${(((one - localSeconds) / TITLES) * 1000).toFixed(0)} ms per title (the local run includes the CLI starting and opening its station, ~1–2 s)`,
      ].join('\n'),
    );
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  });
});
