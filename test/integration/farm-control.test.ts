/**
 * The farm's queue semantics on real Redis with workers in this process (farm/worker.ts): the
 * Redis settings a farm needs are checked and named; priorities decide the order; a paused title
 * waits while others run and runs once resumed; a cancelled title ends cancelled with its pending
 * version removed from the origin; a worker that cannot see a master leaves it to one whose path
 * map can; a worker stopped mid-title gives it back for another; a stale attempt is fenced out before it commits; no secret is in any job.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { stationConfigSchema } from '../../electron/common/config';
import { FarmQueue, FencedOut, startFarmWorker, type FarmAttempt } from '../../electron/engine/farm/farm-queue';
import { runFarmWorker, type RunningWorker } from '../../electron/engine/farm/worker';
import { mapPath, parsePathRule } from '../../electron/engine/farm/path-map';
import { checkRedis } from '../../electron/engine/farm/redis-check';
import { makeMaster } from '../helpers/masters';
import { freshBucket, TEST_CREDENTIALS } from '../helpers/s3';
import { tempDir } from '../helpers/station';
import { until } from '../helpers/until';
import { startRedis, type TestRedis } from '../helpers/redis';

let dir: string;
let redis: TestRedis;
beforeAll(async () => {
  dir = await tempDir('ingest-farm-control-');
  redis = await startRedis(join(dir, 'redis'));
});
afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the farm queue', () => {
  it('names what is wrong with a Redis that would lose titles', async () => {
    const careless = await startRedis(join(dir, 'careless'), [
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'allkeys-lru',
    ]);
    const client = new Redis(careless.url);
    try {
      const c = await checkRedis(client);
      expect(c.version).toMatch(/^\d+\.\d+/);
      expect(c.problems.join('\n')).toMatch(/maxmemory-policy allkeys-lru/);
      expect(c.problems.join('\n')).toMatch(/appendonly no/);
      const good = new Redis(redis.url);
      expect((await checkRedis(good)).problems).toEqual([]);
      good.disconnect();
    } finally {
      client.disconnect();
      await careless.stop();
    }
  });

  it('path maps: whole-folder prefixes only, first rule wins', () => {
    const rules = ['/Volumes/Masters=/mnt/masters', '/Volumes=/srv'].map(parsePathRule);
    expect(mapPath('/Volumes/Masters/Film/a.mov', rules)).toBe('/mnt/masters/Film/a.mov');
    expect(mapPath('/Volumes/MastersOld/a.mov', rules)).toBe('/srv/MastersOld/a.mov');
    expect(mapPath('/elsewhere/a.mov', rules)).toBe('/elsewhere/a.mov');
    expect(mapPath('M:\\Films\\b.mov', [parsePathRule('M:\\Films=/mnt/films')])).toBe('/mnt/films/b.mov');
    expect(() => parsePathRule('/no-equals')).toThrow(/FROM=TO/);
  });

  it('a stale attempt is fenced out before it commits', async () => {
    let seen: FarmAttempt | undefined;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const w = await startFarmWorker({ url: redis.url, name: 'fence-test', concurrency: 1 }, async (a) => {
      seen = a;
      await held;
      return 'ok';
    });
    const farm = await FarmQueue.open({ url: redis.url });
    await farm.submit([{ id: 'fence-1', masterPath: '/x.mov', title: 'x' }], 'test');
    await until('the attempt', async () => seen !== undefined);
    await expect(seen!.fence()).resolves.toBeUndefined();
    // Another worker took the title after a stall: its attempt's token is the title's fence now.
    await farm.redis.set('ingest:farm:fence:fence-1', 'another-attempt-token');
    await expect(seen!.fence()).rejects.toBeInstanceOf(FencedOut);
    release();
    await w.stop();
    await farm.close();
  });

  it(
    'priorities, pause and resume, cancel, a master only one worker can see; no secret in any job',
    { timeout: 300_000 },
    async () => {
      const masters = join(dir, 'masters');
      await mkdir(masters);
      const path = async (name: string, seconds: number): Promise<string> => {
        const p = join(masters, name);
        await copyFile(await makeMaster({ seconds }), p);
        return p;
      };
      const origin = await freshBucket(inject('s3Endpoint'), '', {});
      const config = stationConfigSchema.parse({
        destinations: { origin: { ...origin.cfg, ...TEST_CREDENTIALS } },
        origin: 'origin',
        workDir: join(dir, 'work'),
        profile: 'preview',
        segmentSeconds: 2,
        activeJobs: 1,
        bandwidthLimitMBps: 1,
      });
      const log: string[] = [];
      const farm = await FarmQueue.open({ url: redis.url });
      // Submitted before any worker runs: the order they are taken in is the priorities'.
      const [low, high, paused] = await farm
        .submit([{ id: 'low', masterPath: await path('Low.mp4', 4), title: 'Low' }], 'test', 200)
        .then(async (a) => [
          ...a,
          ...(await farm.submit([{ id: 'high', masterPath: await path('High.mp4', 4), title: 'High' }], 'test', 10)),
          ...(await farm.submit(
            [{ id: 'paused', masterPath: await path('Paused.mp4', 16), title: 'Paused' }],
            'test',
            5,
          )),
        ]);
      await farm.pause(paused!.id);
      // The "lost" master is named by another machine's mount: only the worker with the path map sees it.
      await path('Lost.mp4', 4);
      await farm.submit([{ id: 'lost', masterPath: '/Volumes/Masters/Lost.mp4', title: 'Lost' }], 'test', 300);
      const started: string[] = [];
      const watching = await farm.watch(() => undefined);
      let a: RunningWorker | undefined;
      let b: RunningWorker | undefined;
      try {
        a = await runFarmWorker({
          url: redis.url,
          name: 'blind',
          config,
          baseDir: dir,
          pathMap: [],
          allow: [masters],
          log: (l) => (log.push(l), /taken by/.test(l) && started.push(l.split(':')[0]!)),
        });
        await until(
          'High and Low done',
          async () => (await farm.get(low!.id))?.state === 'done' && (await farm.get(high!.id))?.state === 'done',
        );
        expect(started.slice(0, 2)).toEqual(['High', 'Low']);
        expect((await farm.get(paused!.id))?.state).toBe('paused');
        // The blind worker cannot read /Volumes/Masters: it set the title aside, saying why.
        await until('the blind worker to give up the lost title', async () =>
          log.some((l) => /Lost: blind cannot read the master at \/Volumes\/Masters\/Lost.mp4/.test(l)),
        );
        // A worker stopped (SIGTERM, a reboot) mid-title gives it back to the queue, not as failed.
        await farm.submit(
          [{ id: 'handover', masterPath: await path('Handover.mp4', 14), title: 'Handover' }],
          'test',
          1,
        );
        await until(
          'the handover title running on the blind worker',
          async () => (await farm.get('handover'))?.snapshot?.stages.transcode.state === 'running',
        );
        await a.stop();
        a = undefined;
        expect((await farm.get('handover'))?.state).toBe('waiting');
        b = await runFarmWorker({
          url: redis.url,
          name: 'seeing',
          config,
          baseDir: dir,
          pathMap: [parsePathRule(`/Volumes/Masters=${masters}`)],
          log: (l) => log.push(l),
        });
        await until(
          'the lost title done by the worker that sees it',
          async () => (await farm.get('lost'))?.state === 'done',
        );
        expect((await farm.get('lost'))?.worker).toBe('seeing');
        await until(
          'the handed-over title done by the other worker',
          async () => (await farm.get('handover'))?.state === 'done',
        );
        expect((await farm.get('handover'))?.worker).toBe('seeing');

        await farm.resume(paused!.id);
        // Its place in the queue is back (paused while waiting, it had been moved to the front to be set aside).
        expect((await farm.get(paused!.id))?.priority).toBe(5);
        await until('the resumed title running', async () => (await farm.get(paused!.id))?.state === 'running');
        // Cancel it while it runs: it ends cancelled and its pending version is gone from the origin.
        await until(
          'the resumed title past its claim',
          async () => (await farm.get(paused!.id))?.snapshot?.stages.claim.state === 'done',
        );
        const titleId = (await farm.get(paused!.id))!.snapshot!.claim!.titleId;
        await farm.cancel(paused!.id);
        await until('cancelled', async () => (await farm.get(paused!.id))?.state === 'cancelled', 60_000).catch(
          async (e: unknown) => {
            throw new Error(
              `${(e as Error).message}: ${JSON.stringify(await farm.get(paused!.id)).slice(0, 600)} ${log.slice(-5).join(' | ')}`,
            );
          },
        );
        const left = await origin.client.send(
          new ListObjectsV2Command({ Bucket: origin.cfg.bucket, Prefix: `${titleId}/` }),
        );
        expect((left.Contents ?? []).map((o) => o.Key)).toEqual([]);
        // A failed or cancelled title can be run again.
        await expect(farm.retry(paused!.id)).resolves.toBeUndefined();
        await until('the retried title done', async () => (await farm.get(paused!.id))?.state === 'done');

        // Nothing in the queue carries a credential.
        const keys = await farm.redis.keys('ingest:*');
        for (const k of keys) {
          const type = await farm.redis.type(k);
          const dump =
            type === 'hash'
              ? JSON.stringify(await farm.redis.hgetall(k))
              : type === 'string'
                ? String(await farm.redis.get(k))
                : type === 'list'
                  ? JSON.stringify(await farm.redis.lrange(k, 0, -1))
                  : '';
          expect(dump).not.toContain(TEST_CREDENTIALS.secretAccessKey);
        }
      } finally {
        await a?.stop();
        await b?.stop();
        await watching();
        await farm.close();
      }
    },
  );
});
