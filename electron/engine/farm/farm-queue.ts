/**
 * The farm's queue on Redis, through BullMQ — the one module that imports BullMQ and ioredis.
 * Desktop stations and `ingest-station submit` add titles; headless workers (farm/worker.ts) take
 * them. A title is one BullMQ job whose id is the title's job id everywhere: each worker that
 * takes it runs it under that id, in the farm's shared work folder, so a second worker resumes
 * what the first left (chunk journal, upload journals, claim).
 *
 * What BullMQ gives: durable waiting/active/delayed/failed sets, priorities, a lock per active
 * job renewed by its worker, stalled-job recovery (a dead worker's title goes back to waiting
 * after the stall interval), queue pause. What the station adds here: per-title pause and cancel
 * (a control hash each worker polls for the titles it holds — a flag survives a worker being
 * offline, a pub/sub message would not), the fencing token of each attempt, and the snapshots
 * workers publish as job progress so any desktop sees every title, its worker and its stages.
 * No secret is ever in a job: workers bring their own destination credentials.
 */
import {
  DelayedError,
  Job,
  Queue,
  QueueEvents,
  UnrecoverableError,
  Worker,
  type ConnectionOptions,
  type JobJson,
} from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { JobSnapshot, TitleRequest } from '../../common/jobs.js';
import type { FarmAction, FarmState, FarmTitle } from '../../common/farm.js';
import { segmentProblem } from '../../common/segment.js';
import { StationError } from '../util/errors.js';
import { checkRedis, type RedisCheck } from './redis-check.js';
import { UNREADABLE_DATA, farmJobProblem, type FarmJobData } from './farm-job.js';

export type { FarmJobData } from './farm-job.js';

export const FARM_QUEUE = 'ingest-titles';
const PREFIX = 'ingest';
/** Priorities: BullMQ runs lower numbers first; new titles take the middle so "top" and "down" have room. */
const DEFAULT_PRIORITY = 100;
/** A paused title waits as a delayed job this far in the future until it is resumed (promoted). */
const PAUSED_FOR_MS = 10 * 365 * 24 * 3_600_000;
/** How long the first contact with the farm's Redis may take. */
const CONNECT_MS = 5000;

/** What a worker publishes while it holds a title. */
export interface FarmProgress {
  worker: string;
  snapshot: JobSnapshot;
}

export type { FarmState, FarmTitle } from '../../common/farm.js';

export interface FarmConnection {
  /** redis://[user:password@]host:port[/db] or rediss:// (TLS). */
  url: string;
}

type ControlFlag = 'pause' | 'cancel';

/** ioredis options from a Redis URL; workers need maxRetriesPerRequest null (commands wait through a reconnect). */
export function redisOptions(url: string): RedisOptions {
  const u = new URL(url);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new Error(`the farm's queue is a redis:// or rediss:// URL, not ${u.protocol}`);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    // Redis restarting: keep trying (a worker waits, it does not give up its titles).
    retryStrategy: (times: number) => Math.min(200 * times, 2000),
  };
}

/**
 * A job whose data Redis holds but that is not JSON (damaged, or written by hand) must not stop
 * `farm list` for every title, nor sit active on a worker for ever: it is read with a marker in
 * place of its data, and farm-job.ts names what is wrong with it.
 */
class FarmJob extends Job {
  static override fromJSON<T = unknown, R = unknown, N extends string = string>(
    queue: Parameters<typeof Job.fromJSON>[0],
    json: JobJson,
    jobId?: string,
  ): Job<T, R, N> {
    try {
      JSON.parse(json.data || '{}');
      return super.fromJSON<T, R, N>(queue, json, jobId);
    } catch (err) {
      const job = super.fromJSON<T, R, N>(queue, { ...json, data: '{}' }, jobId);
      (job as { data: unknown }).data = { [UNREADABLE_DATA]: (err as Error).message };
      return job;
    }
  }
}

// BullMQ's generic constructor type cannot name a subclass; FarmJob only changes fromJSON.
const tolerantJob = FarmJob as unknown as typeof Job;

class FarmTitles extends Queue<FarmJobData> {
  protected override get Job(): typeof Job {
    return tolerantJob;
  }
}

class FarmWorkerQueue extends Worker<FarmJobData> {
  protected override get Job(): typeof Job {
    return tolerantJob;
  }
}

/** A title id as the operator or a caller names it: the one path-segment rule, or a sentence. */
function checkedId(id: string): string {
  const problem = segmentProblem(id);
  if (problem)
    throw new StationError(
      `"${id.slice(0, 80)}" is not a farm title id (${problem}): see farm list for the ids`,
      'farm-bad-id',
    );
  return id;
}

/** The same options as BullMQ's connection type (its own RedisOptions, structurally the same). */
const bullConnection = (url: string): ConnectionOptions => redisOptions(url) as ConnectionOptions;

const openTitleQueue = (url: string) => new FarmTitles(FARM_QUEUE, { connection: bullConnection(url), prefix: PREFIX });
type TitleQueue = ReturnType<typeof openTitleQueue>;

/** The URL as it may be printed: never the password. */
export function describeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unreadable Redis URL)';
  }
}

const controlKey = (id: string): string => `${PREFIX}:farm:control:${id}`;
const fenceKey = (id: string): string => `${PREFIX}:farm:fence:${id}`;

function stateOf(bull: string, job: Job<FarmJobData>, control: Partial<Record<ControlFlag, string>>): FarmState {
  if (bull === 'completed') return 'done';
  if (bull === 'failed') return /^cancelled/.test(job.failedReason ?? '') ? 'cancelled' : 'failed';
  if (bull === 'active') return 'running';
  if (bull === 'delayed' && control.pause) return 'paused';
  return 'waiting';
}

/** The queue as submitters and desktops use it. */
export class FarmQueue {
  private constructor(
    private readonly queue: TitleQueue,
    readonly redis: Redis,
    private readonly url: string,
  ) {}

  static async open(conn: FarmConnection, onError: (err: Error) => void = () => undefined): Promise<FarmQueue> {
    // Redis restarting is expected (the clients reconnect): errors are reported, never thrown at the process.
    let last: Error | undefined;
    const redis = new Redis(redisOptions(conn.url)).on('error', (e: Error) => {
      last = e;
      onError(e);
    });
    // First contact answers at once when the password is wrong or missing (NOAUTH, WRONGPASS); an
    // unreachable host would be retried for ever, so the first contact has a deadline.
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        redis.ping(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${CONNECT_MS / 1000} s${last ? ` (${last.message})` : ''}`)),
            CONNECT_MS,
          );
        }),
      ]);
    } catch (err) {
      redis.disconnect();
      throw new Error(`The farm's Redis at ${describeRedisUrl(conn.url)} cannot be used: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    const queue = openTitleQueue(conn.url);
    queue.on('error', onError);
    await queue.waitUntilReady();
    return new FarmQueue(queue, redis, conn.url);
  }

  describe(): string {
    return describeRedisUrl(this.url);
  }

  check(): Promise<RedisCheck> {
    return checkRedis(this.redis);
  }

  /** Add titles. The same master submitted again returns the job it already has. */
  async submit(
    titles: Array<{ id: string; masterPath: string; title: string; request?: TitleRequest }>,
    submittedBy: string,
    priority = DEFAULT_PRIORITY,
  ): Promise<FarmTitle[]> {
    const out: FarmTitle[] = [];
    for (const t of titles) {
      const data: FarmJobData = {
        masterPath: t.masterPath,
        title: t.title,
        submittedBy,
        submittedAt: new Date().toISOString(),
        ...(t.request ? { request: t.request } : {}),
      };
      const problem = farmJobProblem(t.id, data);
      if (problem) throw new StationError(`"${t.title}" cannot be submitted: ${problem}`, 'farm-bad-job');
      // Kept when done or failed: the farm's history, the same master recognised, retry from the failed stage.
      await this.queue.add('title', data, {
        jobId: t.id,
        priority,
        removeOnComplete: false,
        removeOnFail: false,
        attempts: 1,
      });
      out.push((await this.get(t.id))!);
    }
    return out;
  }

  async get(id: string): Promise<FarmTitle | undefined> {
    const job = await this.queue.getJob(checkedId(id));
    if (!job) return undefined;
    return this.describeJob(job, await job.getState());
  }

  private async describeJob(job: Job<FarmJobData>, bull: string): Promise<FarmTitle> {
    const control = (await this.redis.hgetall(controlKey(job.id!))) as Partial<Record<ControlFlag, string>>;
    const progress =
      typeof job.progress === 'object' && job.progress && 'snapshot' in job.progress
        ? (job.progress as unknown as FarmProgress)
        : undefined;
    return {
      id: job.id!,
      title: job.data.title,
      masterPath: job.data.masterPath,
      state: stateOf(bull, job, control),
      ...(progress ? { worker: progress.worker, snapshot: progress.snapshot } : {}),
      ...(job.failedReason ? { error: job.failedReason } : {}),
      priority: job.priority,
      attempts: job.attemptsStarted ?? job.attemptsMade,
      ...(job.processedOn ? { startedAt: job.processedOn } : {}),
      ...(job.finishedOn ? { endedAt: job.finishedOn } : {}),
    };
  }

  /** Every title of the farm, running first, then waiting in order, then the finished ones newest first. */
  async list(): Promise<FarmTitle[]> {
    return (await this.listAll()).titles;
  }

  /**
   * The farm's titles and, apart, every job that cannot be read as a title (its id, what is wrong):
   * one damaged job must not hide the others.
   */
  async listAll(): Promise<{ titles: FarmTitle[]; unreadable: Array<{ id: string; problem: string }> }> {
    // By id: the states are read one after the other, and a title that finishes between two reads
    // is found in both (active, then completed) — the later read is the newer truth.
    const titles = new Map<string, FarmTitle>();
    const unreadable: Array<{ id: string; problem: string }> = [];
    for (const bull of ['active', 'prioritized', 'waiting', 'delayed', 'failed', 'completed'] as const) {
      const ids = await this.queue.getRanges([bull], 0, -1, bull === 'prioritized' || bull === 'waiting');
      for (const id of ids) {
        try {
          const job = await this.queue.getJob(id);
          if (!job) continue;
          const problem = farmJobProblem(job.id, job.data);
          if (problem) unreadable.push({ id, problem: `${bull}: ${problem}` });
          else titles.set(id, await this.describeJob(job, bull));
        } catch (err) {
          unreadable.push({ id, problem: `${bull}: it cannot be read (${(err as Error).message})` });
        }
      }
    }
    return { titles: [...titles.values()], unreadable };
  }

  /** Pause a title: a waiting one is set aside; a running one stops at its worker (nothing is undone) and waits. */
  async pause(id: string): Promise<void> {
    const job = await this.must(id);
    await this.redis.hset(controlKey(id), 'pause', new Date().toISOString());
    const state = await job.getState();
    // Waiting: a worker takes it first and sets it aside at once (only the holder of its lock may
    // move it); its place in the queue comes back on resume.
    if (state === 'prioritized' || state === 'waiting') {
      await this.redis.hset(controlKey(id), 'priority', String(job.priority));
      await job.changePriority({ priority: 1 });
    }
  }

  async resume(id: string): Promise<void> {
    const job = await this.must(id);
    const priority = Number(await this.redis.hget(controlKey(id), 'priority'));
    await this.redis.hdel(controlKey(id), 'pause', 'priority');
    if (Number.isInteger(priority) && priority > 0) await job.changePriority({ priority });
    if ((await job.getState()) === 'delayed') await job.promote();
  }

  /** Cancel: the worker that takes or holds the title stops it and gives its claims back (partial output removed). */
  async cancel(id: string): Promise<void> {
    const job = await this.must(id);
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') return;
    await this.redis.hset(controlKey(id), 'cancel', new Date().toISOString());
    if (state === 'delayed') await job.promote(); // a paused title is taken, seen cancelled, and cleaned up
  }

  /** Run a failed title again: the worker that takes it resumes from the stage that failed. */
  async retry(id: string): Promise<void> {
    const job = await this.must(id);
    if ((await job.getState()) !== 'failed')
      throw new Error(`"${job.data.title}" has not failed: only failed titles can be retried`);
    await this.redis.del(controlKey(id));
    await job.retry('failed');
  }

  async move(id: string, where: 'up' | 'down' | 'top'): Promise<void> {
    const job = await this.must(id);
    const p = where === 'top' ? 2 : Math.max(2, job.priority + (where === 'up' ? -1 : 1));
    await job.changePriority({ priority: p });
  }

  /** One of the operator's controls on a title (the farm view's buttons). */
  async control(id: string, action: FarmAction): Promise<void> {
    if (action === 'top') return this.move(id, 'top');
    await this[action](id);
  }

  async pauseAll(): Promise<void> {
    await this.queue.pause();
  }

  async resumeAll(): Promise<void> {
    await this.queue.resume();
  }

  /** The title's job, or a sentence saying the farm has none by that id. */
  private async must(id: string): Promise<Job<FarmJobData>> {
    const job = await this.queue.getJob(checkedId(id));
    if (!job) throw new StationError(`No title with id ${id} in the farm (see farm list)`, 'farm-no-title');
    return job;
  }

  /** Every change of any title, from any worker (progress, done, failed). */
  async watch(onChange: (id: string) => void): Promise<() => Promise<void>> {
    const events = new QueueEvents(FARM_QUEUE, { connection: bullConnection(this.url), prefix: PREFIX });
    events.on('error', () => undefined); // reconnects by itself
    await events.waitUntilReady();
    for (const e of ['progress', 'completed', 'failed', 'active', 'waiting', 'delayed', 'removed'] as const)
      events.on(e, ({ jobId }: { jobId: string }) => onChange(jobId));
    return () => events.close();
  }

  /** Wait until every given title has finished (done, failed or cancelled). */
  async waitForAll(ids: string[], pollMs = 1000): Promise<FarmTitle[]> {
    for (;;) {
      const titles = await Promise.all(ids.map((id) => this.get(id)));
      if (titles.every((t) => t && (t.state === 'done' || t.state === 'failed' || t.state === 'cancelled')))
        return titles as FarmTitle[];
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }
}

/** What a worker's processor is handed for one attempt at one title. */
export interface FarmAttempt {
  job: Job<FarmJobData>;
  /** This attempt's fencing token (the lock token BullMQ gave it). */
  token: string;
  /** Aborted when the farm takes the title away (lock lost) or the worker stops. */
  signal: AbortSignal;
  /** Throws FencedOut once another attempt became the title's current one. */
  fence(): Promise<void>;
  /** The operator's pause/cancel for this title, if any. */
  control(): Promise<Partial<Record<ControlFlag, string>>>;
  /** Set the title aside (paused) or give it back to the queue for another worker in `ms`. */
  setAside(ms: number): Promise<never>;
  report(progress: FarmProgress): Promise<void>;
  /** Fail without retry (cancelled, or a title no worker can run). */
  fail(message: string): never;
}

export class FencedOut extends Error {
  constructor(id: string) {
    super(`another attempt holds title ${id} now (this worker lost it after a stall): stopping before the commit`);
    this.name = 'FencedOut';
  }
}

export interface FarmWorkerOptions extends FarmConnection {
  name: string;
  /** Titles this worker runs at once. */
  concurrency: number;
  /** How long a title's lock lasts without renewal (a dead worker's title is taken after about this long). */
  lockMs?: number;
  /** How often workers look for stalled titles. */
  stalledCheckMs?: number;
  onError?: (err: Error) => void;
}

/** A BullMQ worker taking titles; `run` is one attempt. Returns a stop function (waits for running attempts to stop). */
export async function startFarmWorker(
  o: FarmWorkerOptions,
  run: (a: FarmAttempt) => Promise<unknown>,
): Promise<{ stop(): Promise<void>; redis: Redis; check(): Promise<RedisCheck> }> {
  const redis = new Redis(redisOptions(o.url)).on('error', (err) => o.onError?.(err));
  const lockMs = o.lockMs ?? 60_000;
  const processor = async (job: Job<FarmJobData>, token?: string, signal?: AbortSignal): Promise<unknown> => {
    // Checked before anything is made of it: the id names the title's folder, the data its master.
    const problem = farmJobProblem(job.id, job.data);
    if (problem)
      throw new UnrecoverableError(
        `This job cannot be run: ${problem}. It was not submitted by ingest-station submit, or Redis damaged it; remove it from the farm.`,
      );
    const t = token!;
    // This attempt is the title's current one from now on: an earlier holder's commits are refused.
    await redis.set(fenceKey(job.id!), t);
    const attempt: FarmAttempt = {
      job,
      token: t,
      signal: signal ?? new AbortController().signal,
      fence: async () => {
        if ((await redis.get(fenceKey(job.id!))) !== t) throw new FencedOut(job.id!);
      },
      control: async () => (await redis.hgetall(controlKey(job.id!))) as Partial<Record<ControlFlag, string>>,
      setAside: async (ms) => {
        await job.moveToDelayed(Date.now() + ms, t);
        throw new DelayedError();
      },
      report: async (p) => {
        await job.updateProgress(p as never);
      },
      fail: (message) => {
        throw new UnrecoverableError(message);
      },
    };
    return run(attempt);
  };
  const worker = new FarmWorkerQueue(FARM_QUEUE, processor, {
    connection: bullConnection(o.url),
    prefix: PREFIX,
    concurrency: o.concurrency,
    name: o.name,
    lockDuration: lockMs,
    stalledInterval: o.stalledCheckMs ?? Math.max(1000, lockMs / 2),
    // A title that stalls (its worker died) is resumed by the next; it does not fail for it.
    maxStalledCount: 100,
  });
  // Lost lock: another worker may take the title; stop this attempt without undoing anything.
  worker.on('lockRenewalFailed', (ids) => {
    for (const id of ids) worker.cancelJob(id, 'lock lost');
  });
  // Cut off from Redis, no renewal fails — none happens. Before the lock can expire (and another
  // worker take the title into the same shared folder), this worker stops the attempt itself.
  const renewed = new Map<string, number>();
  worker.on('active', (job) => renewed.set(job.id!, Date.now()));
  worker.on('locksRenewed', ({ jobIds }) => {
    for (const id of jobIds) renewed.set(id, Date.now());
  });
  worker.on('completed', (job) => renewed.delete(job.id!));
  worker.on('failed', (job) => job && renewed.delete(job.id!));
  const watchdog = setInterval(
    () => {
      for (const [id, at] of renewed) {
        if (Date.now() - at > lockMs * 0.75) {
          renewed.delete(id);
          worker.cancelJob(id, `lock not renewed for ${Math.round((Date.now() - at) / 1000)} s (Redis unreachable)`);
        }
      }
    },
    Math.min(1000, lockMs / 8),
  );
  watchdog.unref();
  worker.on('error', (err) => o.onError?.(err));
  await worker.waitUntilReady();
  return {
    redis,
    check: () => checkRedis(redis),
    async stop() {
      clearInterval(watchdog);
      // Running titles are given back to the queue (their attempts set them aside), not waited for.
      worker.cancelAllJobs('the worker is stopping');
      await worker.close();
      redis.disconnect();
    },
  };
}

export const FARM_PAUSED_FOR_MS = PAUSED_FOR_MS;
