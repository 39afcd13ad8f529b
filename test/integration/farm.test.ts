/**
 * A station farm on real Redis (redis-server, AOF) and the real radosgw: three headless workers
 * (the built CLI, each its own process) share one queue and one work folder; ten titles are
 * submitted with `ingest-station submit`. One worker is killed -9 while it encodes, another while
 * it uploads (each replaced by a fresh worker, as systemd would), and Redis is restarted mid-run.
 * Then: all ten delivered; the library audit of the origin is clean (nothing missing, nothing
 * unexpected: no duplicate objects, one version per title); no multipart upload left at either
 * store; no segment set encoded twice unless verify had withdrawn it; the farm's history names the
 * workers that held each title.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FarmQueue, type FarmTitle } from '../../electron/engine/farm/farm-queue';
import { makeMaster } from '../helpers/masters';
import { freshBucket, TEST_CREDENTIALS } from '../helpers/s3';
import { tempDir } from '../helpers/station';
import { BIN, CLI_ENV, runCli } from '../helpers/cli';
import { until } from '../helpers/until';
import { startRedis, type TestRedis } from '../helpers/redis';

let dir: string;
let redis: TestRedis;
const workers = new Map<string, { child: ChildProcess; log: string[] }>();

beforeAll(async () => {
  dir = await tempDir('ingest-farm-');
  redis = await startRedis(join(dir, 'redis'));
});
afterAll(async () => {
  for (const w of workers.values()) w.child.kill('SIGKILL');
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

function startWorker(name: string, config: string): void {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'worker',
      '--queue',
      redis.url,
      '--config',
      config,
      '--name',
      name,
      '--lock-seconds',
      '4',
      '--allow',
      join(dir, 'masters'),
    ],
    { env: CLI_ENV, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log: string[] = [];
  child.stderr!.on('data', (d: Buffer) => log.push(...d.toString().split('\n').filter(Boolean)));
  workers.set(name, { child, log });
}

describe('a station farm on Redis', () => {
  it(
    'three workers, ten titles, kill -9 mid-encode and mid-upload, Redis restarted: all delivered, audited clean, nothing twice',
    { timeout: 420_000 },
    async () => {
      const masters = join(dir, 'masters');
      await mkdir(masters);
      const paths: string[] = [];
      for (let i = 0; i < 10; i++) {
        const p = join(masters, `Title ${String(i + 1).padStart(2, '0')}.mp4`);
        await copyFile(await makeMaster({ seconds: 8 + (i % 3) * 2 }), p);
        paths.push(p);
      }
      const origin = await freshBucket(inject('s3Endpoint'), '', {});
      const archive = await freshBucket(inject('s3Endpoint'), '', { partSizeMiB: 5, multipartThresholdMiB: 5 });
      const config = join(dir, 'worker.json');
      await writeFile(
        config,
        JSON.stringify({
          destinations: {
            origin: { ...origin.cfg, ...TEST_CREDENTIALS },
            archive: { ...archive.cfg, ...TEST_CREDENTIALS },
          },
          origin: 'origin',
          archive: 'archive',
          workDir: join(dir, 'shared-work'),
          profile: 'preview',
          segmentSeconds: 2,
          activeJobs: 1,
          // Slow enough that an upload is caught in flight on a fast machine too.
          bandwidthLimitMBps: 1.5,
        }),
      );
      for (const n of ['w1', 'w2', 'w3']) startWorker(n, config);

      const sub = await runCli(['submit', ...paths, '--queue', redis.url, '--json']);
      expect(sub.code, sub.stderr).toBe(0);
      const ids = (JSON.parse(sub.stdout) as { titles: FarmTitle[] }).titles.map((t) => t.id);
      expect(new Set(ids).size).toBe(10);
      // The same masters submitted again are the same titles, not ten more.
      const again = await runCli(['submit', paths[0]!, '--queue', redis.url, '--json']);
      expect((JSON.parse(again.stdout) as { titles: FarmTitle[] }).titles[0]!.id).toBe(ids[0]);

      const farm = await FarmQueue.open({ url: redis.url });
      const kills: string[] = [];
      const victims: Array<{ id: string; worker: string }> = [];
      const kill = async (stage: 'transcode' | 'upload'): Promise<void> => {
        let victim: FarmTitle | undefined;
        await until(
          `a worker in ${stage}`,
          async () => {
            const running = (await farm.list()).filter(
              (t) => t.state === 'running' && t.worker && workers.has(t.worker) && !kills.includes(t.worker),
            );
            victim = running.find((t) => {
              const s = t.snapshot?.stages;
              if (!s) return false;
              return stage === 'transcode'
                ? s.transcode.state === 'running' && s.transcode.fraction > 0.15 && s.transcode.fraction < 0.8
                : s.transcode.state === 'done' &&
                    (s.uploadOrigin.state === 'running' || s.uploadArchive.state === 'running');
            });
            return victim !== undefined;
          },
          180_000,
        );
        const name = victim!.worker!;
        workers.get(name)!.child.kill('SIGKILL');
        kills.push(name);
        victims.push({ id: victim!.id, worker: name });
        startWorker(`${name}-replacement`, config);
      };
      await kill('transcode');
      await kill('upload');
      // Redis goes away for a second and comes back from its AOF; workers wait and reconnect.
      await redis.restart(1000);

      const ended = await Promise.race([
        farm.waitForAll(ids, 500),
        new Promise<never>((_, no) =>
          setTimeout(
            () =>
              no(
                new Error(
                  `not all titles ended: ${[...workers.entries()].map(([n, w]) => `${n}: ${w.log.slice(-5).join(' | ')}`).join('\n')}`,
                ),
              ),
            300_000,
          ),
        ),
      ]);
      expect(ended.map((t) => `${t.title}: ${t.state}${t.error ? ` (${t.error})` : ''}`)).toEqual(
        ended.map((t) => `${t.title}: done`),
      );
      // The killed workers' titles were finished by others.
      for (const v of victims)
        expect(ended.find((t) => t.id === v.id)!.worker, `${v.id} was held by ${v.worker} when it was killed`).not.toBe(
          v.worker,
        );

      // The library, audited at the origin: every title whole, nothing that no manifest lists.
      const audit = await runCli(['audit', '--library', '--dest', 'origin', '--config', config, '--json']);
      expect(audit.code, audit.stderr + audit.stdout.slice(0, 2000)).toBe(0);
      // One version per title at the origin (a redelivered title must not make a second).
      const listed = await origin.client.send(new ListObjectsV2Command({ Bucket: origin.cfg.bucket, Delimiter: '/' }));
      const titles = (listed.CommonPrefixes ?? []).map((p) => p.Prefix!);
      expect(titles).toHaveLength(10);
      for (const t of titles) {
        const versions = await origin.client.send(
          new ListObjectsV2Command({ Bucket: origin.cfg.bucket, Prefix: t, Delimiter: '/' }),
        );
        expect((versions.CommonPrefixes ?? []).length, t).toBe(1);
      }
      for (const b of [origin, archive]) {
        const open = await b.client.send(new ListMultipartUploadsCommand({ Bucket: b.cfg.bucket }));
        expect(open.Uploads ?? []).toEqual([]);
      }
      // No segment set encoded twice unless verify withdrew it (the killed attempt's unfinished set is not in the journal).
      let sets = 0;
      for (const id of ids) {
        const lines = (await readFile(join(dir, 'shared-work', 'jobs', id, 'chunks.jsonl'), 'utf8'))
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { t: string; set?: number });
        const published = new Map<number, number>();
        const withdrawn = new Map<number, number>();
        for (const r of lines) {
          if (r.t === 'published') published.set(r.set!, (published.get(r.set!) ?? 0) + 1);
          if (r.t === 'unpublished' || r.t === 'rejected') withdrawn.set(r.set!, (withdrawn.get(r.set!) ?? 0) + 1);
          if (r.t === 'video-reset') throw new Error(`${id}: the encode started over from zero`);
        }
        for (const [set, n] of published)
          expect(n, `${id} set ${set}`).toBeLessThanOrEqual(1 + (withdrawn.get(set) ?? 0));
        sets += published.size;
      }
      expect(sets).toBeGreaterThan(0);
      const summary = victims.map((v) => {
        const t = ended.find((e) => e.id === v.id)!;
        return `${t.title}: killed on ${v.worker}, finished by ${t.worker} after ${t.attempts} attempts (transcode: ${t.snapshot?.stages.transcode.detail ?? '?'})`;
      });
      console.log(
        `farm: ${ended.length} titles done by ${new Set(ended.map((t) => t.worker)).size} workers; ${summary.join(' · ')}`,
      );
      await farm.close();
    },
  );
});
