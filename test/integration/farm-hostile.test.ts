/**
 * The farm under a hostile or unlucky hand, on a real Redis with a real worker (the built CLI in
 * its own process): anyone with the farm's password can add jobs straight to Redis, and Redis can
 * hold damaged data. Each case is one row of docs/SECURITY.md's "Hostile cases".
 *  - A job whose id climbs out of the work folder (`../../victim2`, `..`) is refused by the worker
 *    with a sentence; its cancel is refused too; the folders it named are untouched.
 *  - A job whose data is not JSON is named by `farm list` beside the good titles and failed by the
 *    worker with a sentence (it does not sit active for ever); the good title is delivered.
 *  - A worker reads masters only under its --allow folders (another user's 0600 file, a link out of
 *    them: not read, not published), and its children (ffmpeg, ffprobe) get none of its secrets.
 *  - Named pipes as masters fail at once with a sentence (they once filled a worker's slots for
 *    ever and froze it, SIGTERM included); `farm cancel` of an unknown title is a sentence; the
 *    worker stops on SIGTERM; a title that shows no sign of progress is stopped and failed, naming
 *    the stage that stalled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { chmod, copyFile, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { FARM_QUEUE, FarmQueue } from '../../electron/engine/farm/farm-queue';
import { makeMaster } from '../helpers/masters';
import { tempDir } from '../helpers/station';
import { CLI_ENV, runCli } from '../helpers/cli';
import { startCliWorker, type CliWorker } from '../helpers/cli-worker';
import { until } from '../helpers/until';
import { FARM_SETTINGS, startRedis, type TestRedis } from '../helpers/redis';

let dir: string;
let redis: TestRedis;
let config: string;
let masters: string;
let worker: CliWorker | undefined;
let raw: Queue;
let client: Redis;
/** The farm's URL with its password, as an operator exports it: INGEST_FARM_URL. */
let url: string;
const PASSWORD = 'farm-password-not-for-children';
const AWS_SECRET = 'aws-secret-not-for-children';
/** A worker as the README's systemd unit runs it: the farm's URL and AWS credentials in its environment. */
const workerEnv = (): NodeJS.ProcessEnv => ({
  ...CLI_ENV,
  INGEST_FARM_URL: url,
  AWS_ACCESS_KEY_ID: 'AKIDNOTFORCHILDREN',
  AWS_SECRET_ACCESS_KEY: AWS_SECRET,
});

beforeAll(async () => {
  dir = await tempDir('ingest-farm-hostile-');
  redis = await startRedis(join(dir, 'redis'), [...FARM_SETTINGS, '--requirepass', PASSWORD]);
  url = `redis://:${PASSWORD}@127.0.0.1:${redis.port}`;
  masters = join(dir, 'masters');
  await mkdir(masters);
  config = join(dir, 'worker.json');
  await writeFile(
    config,
    JSON.stringify({
      destinations: { origin: { type: 'folder', path: join(dir, 'origin') } },
      origin: 'origin',
      workDir: join(dir, 'work'),
      profile: 'preview',
      segmentSeconds: 2,
      activeJobs: 2,
    }),
  );
  // What an attacker with the farm's password uses: BullMQ itself, no station code in the way.
  raw = new Queue(FARM_QUEUE, {
    connection: { host: '127.0.0.1', port: redis.port, password: PASSWORD },
    prefix: 'ingest',
  });
  client = new Redis(url);
});
afterAll(async () => {
  worker?.child.kill('SIGKILL');
  await raw?.close();
  client?.disconnect();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

const data = (masterPath: string, title: string) => ({
  masterPath,
  title,
  submittedBy: 'attacker',
  submittedAt: new Date().toISOString(),
});

/** The job's state and failure as BullMQ keeps them (read raw: the job may not parse). */
async function state(id: string): Promise<{ state: string; reason?: string }> {
  const reason = await client.hget(`ingest:${FARM_QUEUE}:${id}`, 'failedReason');
  return { state: await raw.getJobState(id), ...(reason ? { reason } : {}) };
}

describe('the farm against hostile jobs (real Redis, real worker)', () => {
  it('farm list names a job whose data Redis damaged and still lists the good titles', async () => {
    const good = join(masters, 'Good.mp4');
    await copyFile(await makeMaster({ seconds: 2 }), good);
    const sub = await runCli(['submit', good, '--queue', url]);
    expect(sub.code, sub.stderr).toBe(0);
    await raw.add('title', data(good, 'Damaged'), { jobId: 'damaged1' });
    // Redis holds what it holds: here a value cut short.
    await client.hset(`ingest:${FARM_QUEUE}:damaged1`, 'data', '{"masterPath":"/x');

    const list = await runCli(['farm', 'list', '--queue', url]);
    expect(list.stdout).toMatch(/waiting\s+Good/);
    expect(list.stderr).toMatch(/damaged1: unreadable job — \w+: its data in Redis is not JSON/);
    expect(list.code).toBe(1);
    const farm = await FarmQueue.open({ url });
    try {
      const { titles, unreadable } = await farm.listAll();
      expect(titles.map((t) => t.title)).toEqual(['Good']);
      expect(unreadable.map((u) => u.id)).toEqual(['damaged1']);
    } finally {
      await farm.close();
    }
  });

  it(
    'a job id that climbs out of the work folder is refused with a sentence and touches nothing; the damaged job is failed, the good one delivered',
    { timeout: 240_000 },
    async () => {
      const victim = join(dir, 'victim2', 'important');
      await mkdir(victim, { recursive: true });
      await writeFile(join(victim, 'CANARY.txt'), 'must survive');
      const keep = join(dir, 'work', 'keep');
      await mkdir(keep, { recursive: true });
      await writeFile(join(keep, 'CANARY.txt'), 'the shared work folder must survive');
      const good = join(masters, 'Good.mp4');
      await raw.add('title', data(good, 'Escape'), { jobId: '../../victim2' });
      await raw.add('title', data(good, 'Parent'), { jobId: '..' });

      worker = startCliWorker(['--config', config, '--name', 'hostile-1', '--allow', masters], workerEnv());
      const ended = (s: string): boolean => s === 'failed' || s === 'completed';
      const ids = ['../../victim2', '..', 'damaged1'];
      await until(
        'the hostile jobs to end',
        async () => (await Promise.all(ids.map(state))).every((s) => ended(s.state)),
        90_000,
      ).catch(async (e: unknown) => {
        throw new Error(
          `${(e as Error).message}: ${JSON.stringify(await Promise.all(ids.map(state)))} ${worker!.log.slice(-8).join(' | ')}`,
        );
      });
      for (const id of ['../../victim2', '..']) {
        const s = await state(id);
        expect(s.state, id).toBe('failed');
        expect(s.reason, id).toMatch(/cannot name a title's folder \(it would name another folder\)/);
      }
      const damaged = await state('damaged1');
      expect(damaged.state).toBe('failed');
      expect(damaged.reason).toMatch(/its data in Redis is not JSON/);

      // The operator's cancel of such a job is a sentence, not a removal.
      const cancel = await runCli(['farm', 'cancel', '../../victim2', '--queue', url]);
      expect(cancel.code).toBe(1);
      expect(cancel.stderr).toMatch(/"\.\.\/\.\.\/victim2" is not a farm title id \(it would name another folder\)/);
      const cancelParent = await runCli(['farm', 'cancel', '..', '--queue', url]);
      expect(cancelParent.stderr).toMatch(/is not a farm title id/);

      expect(await readFile(join(victim, 'CANARY.txt'), 'utf8')).toBe('must survive');
      expect(await readdir(join(dir, 'victim2'))).toEqual(['important']);
      expect(await readFile(join(keep, 'CANARY.txt'), 'utf8')).toMatch(/must survive/);

      // The good title was not held up by them.
      const farm = await FarmQueue.open({ url });
      try {
        await until('the good title delivered', async () =>
          (await farm.list()).some((t) => t.title === 'Good' && t.state === 'done'),
        );
      } finally {
        await farm.close();
      }
    },
  );

  it(
    'a worker reads masters only under its --allow folders: another user’s file, or a link out of them, is not published',
    { timeout: 120_000 },
    async () => {
      const secret = join(dir, 'private', 'secret.mp4');
      await mkdir(join(dir, 'private'), { mode: 0o700 });
      await copyFile(await makeMaster({ seconds: 2 }), secret);
      await chmod(secret, 0o600);
      await symlink(secret, join(masters, 'Innocent.mp4'));
      await raw.add('title', data(secret, 'Secret'), { jobId: 'secret' });
      await raw.add('title', data(join(masters, 'Innocent.mp4'), 'Innocent'), { jobId: 'innocent' });
      await until(
        'both refused',
        async () => (await state('secret')).state === 'failed' && (await state('innocent')).state === 'failed',
        90_000,
      );
      expect((await state('secret')).reason).toMatch(
        /No worker could read the master \(tried by hostile-1\): hostile-1 does not read .*secret\.mp4: it is outside the folders it reads masters from/,
      );
      expect((await state('innocent')).reason).toMatch(
        /Innocent\.mp4 \(which resolves to .*secret\.mp4\): it is outside/,
      );
      expect(await readdir(join(dir, 'origin'))).not.toContain('secret');
      expect(await readdir(join(dir, 'origin'))).not.toContain('innocent');
    },
  );

  it('ffmpeg and ffprobe get no secret from the worker’s environment', { timeout: 120_000 }, async () => {
    const master = join(masters, 'Long.mp4');
    await copyFile(await makeMaster({ seconds: 12 }), master);
    expect((await runCli(['submit', master, '--queue', url])).code).toBe(0);
    // Every child the worker starts while it runs the title, caught as it runs.
    const seen = new Map<number, string>();
    const farm = await FarmQueue.open({ url });
    try {
      await until(
        'the title delivered',
        async () => {
          for (const pid of await readdir('/proc').then((d) => d.filter((n) => /^\d+$/.test(n)))) {
            const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
            if (!/ff(mpeg|probe)/.test(cmd.split('\0')[0] ?? '') || !cmd.includes(masters + '/Long.mp4')) continue;
            const env = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => undefined);
            if (env !== undefined) seen.set(Number(pid), env);
          }
          return (await farm.list()).some((t) => t.title === 'Long' && t.state === 'done');
        },
        90_000,
      );
    } finally {
      await farm.close();
    }
    expect(seen.size).toBeGreaterThan(0);
    for (const env of seen.values()) {
      expect(env).not.toContain(PASSWORD);
      expect(env).not.toContain(AWS_SECRET);
      expect(env).not.toContain('INGEST_FARM_URL');
      expect(env).toContain('PATH=');
    }
  });

  it(
    'named pipes as masters fail at once and leave the worker free; cancel of an unknown title is a sentence; SIGTERM stops the worker',
    { timeout: 180_000 },
    async () => {
      const pipes = ['pipe1', 'pipe2', 'pipe3'];
      for (const p of pipes) {
        execFileSync('mkfifo', [join(masters, `${p}.mov`)]);
        await raw.add('title', data(join(masters, `${p}.mov`), p), { jobId: p });
      }
      const good = join(masters, 'Good2.mp4');
      await copyFile(await makeMaster({ seconds: 2 }), good);
      expect((await runCli(['submit', good, '--queue', url])).code).toBe(0);
      await until(
        'the pipes to fail',
        async () => (await Promise.all(pipes.map(state))).every((s) => s.state === 'failed'),
        60_000,
      ).catch(async (e: unknown) => {
        throw new Error(`${(e as Error).message}: ${JSON.stringify(await Promise.all(pipes.map(state)))}`);
      });
      for (const p of pipes)
        expect((await state(p)).reason).toMatch(
          /is a named pipe \(FIFO\), not a regular file; nothing was read from it/,
        );
      const farm = await FarmQueue.open({ url });
      try {
        await until(
          'the good title after them delivered',
          async () => (await farm.list()).some((t) => t.title === 'Good2' && t.state === 'done'),
          90_000,
        );
      } finally {
        await farm.close();
      }

      const unknown = await runCli(['farm', 'cancel', 'no-such-title', '--queue', url]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/No title with id no-such-title in the farm \(see farm list\)/);
      expect(worker!.child.exitCode).toBeNull();

      worker!.child.kill('SIGTERM');
      const code = await Promise.race([
        worker!.exited,
        new Promise((r) => setTimeout(() => r('still running'), 20_000)),
      ]);
      expect(code, worker!.log.slice(-5).join(' | ')).toBe(0);
      worker = undefined;
    },
  );

  it(
    'a title that shows no sign of progress is stopped and failed, naming the stage that stalled',
    { timeout: 120_000 },
    async () => {
      // An ffmpeg that never answers: what a master on a mount that stopped answering looks like to the station.
      const stuck = join(dir, 'stuck-ffmpeg');
      await writeFile(stuck, '#!/bin/sh\nexec sleep 300\n');
      await chmod(stuck, 0o755);
      const stallConfig = join(dir, 'stall.json');
      const base = JSON.parse(await readFile(config, 'utf8')) as Record<string, unknown>;
      const ffprobe = execFileSync('sh', ['-c', 'command -v ffprobe']).toString().trim();
      await writeFile(stallConfig, JSON.stringify({ ...base, ffmpegPath: stuck, ffprobePath: ffprobe }));
      const master = join(masters, 'Slow.mp4');
      await copyFile(await makeMaster({ seconds: 2 }), master);
      const sub = await runCli(['submit', master, '--queue', url, '--json']);
      const id = (JSON.parse(sub.stdout) as { titles: Array<{ id: string }> }).titles[0]!.id;
      worker = startCliWorker(
        ['--config', stallConfig, '--name', 'stall-1', '--stall-seconds', '3', '--allow', masters],
        workerEnv(),
      );
      await until('the stalled title to fail', async () => (await state(id)).state === 'failed', 60_000);
      expect((await state(id)).reason).toMatch(
        /no sign of progress for \d+ s in Probe: stall-1 stopped it \(nothing undone\)/,
      );
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      worker = undefined;
    },
  );
});
