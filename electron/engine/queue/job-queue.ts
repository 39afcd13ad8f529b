/**
 * The job queue: a persisted state machine per job and stage. Stages are plugged in as a list of
 * StageRunners and run in order; a stage already done (or skipped) is never run again, so after a
 * crash a job continues from its last completed stage. Several jobs run at once (`activeJobs`), in
 * priority order, each stage within its resource limit (`stageLimits`: one transcode at a time by
 * default), so one title uploads while the next transcodes; uploads of all jobs share the station's
 * pools. Jobs can be paused, resumed, reordered, retried from their failed stage and cancelled.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { basename, extname } from 'node:path';
import {
  STAGES,
  emptyStages,
  isFinal,
  type JobSnapshot,
  type StageName,
  type StageProgress,
  type TitleRequest,
} from '../../common/jobs.js';
import type { TransferStats } from '../../common/throughput.js';
import type { ContentOverrides } from '../../common/analysis.js';
import type { UploadedObject } from '../../common/report.js';
import {
  CancelledError,
  PauseError,
  ShutdownError,
  StationError,
  VerificationError,
  errorMessage,
  isCancelled,
  linkedAbort,
} from '../util/errors.js';

/** Why a stage was stopped: another stage of the same job failed (its resumable state is kept). */
class SiblingStopped extends ShutdownError {
  constructor(readonly stage: StageName) {
    super(`stopped because ${stage} failed`);
    this.name = 'SiblingStopped';
  }
}
import type { JobStore } from './job-store.js';
import { fingerprintFile } from '../util/fingerprint.js';
import { notAFile, notRegularFile } from '../util/regular-file.js';
import { StageSlots } from './stage-slots.js';
import { titleIdSchema } from '../../common/title.js';
import { segmentProblem } from '../../common/segment.js';
import { describeZodError } from '../../common/config.js';

/** A title request as the engine keeps it: a valid title ID (NFC) or none. */
function checkedRequest(request: TitleRequest | undefined): TitleRequest | undefined {
  if (!request || (!request.titleId && !request.replace)) return undefined;
  const out: TitleRequest = {};
  if (request.titleId) {
    const parsed = titleIdSchema.safeParse(request.titleId);
    if (!parsed.success)
      throw new StationError(
        `"${request.titleId}" cannot be a title ID: ${describeZodError(parsed.error)}`,
        'bad-title-id',
      );
    out.titleId = parsed.data;
  }
  if (request.replace) out.replace = true;
  return out;
}

/** What the engine keeps per job: the snapshot the UI sees plus what only the engine needs. */
/**
 * What the stages keep on a job beyond its snapshot, declared by the modules that own it
 * (stages/context.ts adds the plan): the queue stores and journals them without knowing their
 * types, so it imports no domain module.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface JobOutputs {}

export interface JobRecord extends JobSnapshot, JobOutputs {
  /** Where the package goes when the operator chose the folder (`transcode --out`). */
  packageTarget?: string;
  /** Caption files the operator named (`--captions <file>[:lang]`), besides those found beside the master. */
  extraCaptions?: Array<{ path: string; language?: string }>;
  uploads: UploadedObject[];
  /** Per destination: acknowledged bytes, average and peak rate (the last run of each upload stage). */
  transfers?: Record<string, TransferStats>;
  warnings: string[];
}

const sameRequest = (a: TitleRequest | undefined, b: TitleRequest | undefined): boolean =>
  (a?.titleId ?? '') === (b?.titleId ?? '') && !!a?.replace === !!b?.replace;

export interface StageContext {
  job: JobRecord;
  signal: AbortSignal;
  /** Report progress of the running stage (not persisted; coalesced by consumers). */
  progress(p: Pick<StageProgress, 'fraction' | 'etaSeconds' | 'detail'>): void;
  /** Persist the job record now (after a stage stored an intermediate output). */
  checkpoint(): Promise<void>;
}

export interface StageRunner {
  name: StageName;
  /**
   * The stages that must be done (or skipped) before this one starts; default: the stage before it
   * in STAGES. Stages whose dependencies are met run at the same time.
   */
  after?: StageName[];
  /** Stages a retry of this one must run again too (e.g. verify that threw away a bad chunk → transcode). */
  alsoRetry?(job: JobRecord): StageName[];
  /** Return 'skipped' when the stage does not apply to this job (e.g. no archive configured). */
  run(ctx: StageContext): Promise<'done' | 'skipped'>;
  /** Undo partial work of a cancelled job (remove temp output, abort uploads). */
  cleanup?(job: JobRecord): Promise<void>;
}

export interface AddOptions {
  /** Added paused (Hold new titles). */
  hold?: boolean;
  /** Package into this folder instead of the job's own (offline `transcode --out`). */
  packageTarget?: string;
  /** Caption files the operator named for these masters. */
  extraCaptions?: Array<{ path: string; language?: string }>;
  /** The operator's overrides of the content decisions (`--no-ivtc`, `--crop`, `--loudness`). */
  overrides?: ContentOverrides;
  /**
   * The job's id, given by a farm (one master): every worker that takes the title runs it under
   * the same id, so its work folder, chunk journal and claim are the same ones. A job this queue
   * already holds under that id is returned (a failed one is retried from its failed stage, a
   * paused one resumed, a cancelled one started again).
   */
  id?: string;
}

export type JobListener = (job: JobSnapshot) => void;

export interface QueueOptions {
  /**
   * Which queued jobs this process may start. The app runs everything; the CLI runs only the jobs
   * it was asked for, so an old interrupted job in the same work folder does not jump the line.
   */
  eligible?: (job: JobRecord) => boolean;
  /** Jobs running at once (default 1: strictly one after another). */
  activeJobs?: number;
  /** Jobs allowed inside a stage at once; stages not named are limited only by activeJobs. */
  stageLimits?: Partial<Record<StageName, number>>;
  /**
   * false: a job's stages strictly one after another (what the streamed pipeline is measured
   * against in test/bench/streaming.bench.test.ts); default: side by side as their `after` allows.
   */
  overlap?: boolean;
}

interface Active {
  ac: AbortController;
  done: Promise<void>;
}

const now = (): string => new Date().toISOString();
/** A package with 10,000 bad chunks must not put 10,000 rows in every job update. */
const MAX_PROBLEMS_SHOWN = 200;

export function newJobId(): string {
  return `j${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

export function toSnapshot(rec: JobRecord): JobSnapshot {
  const { plan: _p, uploads: _u, warnings: _w, packageTarget: _t, extraCaptions: _c, ...snap } = rec;
  return structuredClone(snap);
}

/** Records journalled by earlier versions: stage outputs lived in `outputs`. */
function migrate(rec: JobRecord & { outputs?: Partial<JobOutputs> }): JobRecord {
  if (rec.outputs) {
    if (rec.outputs.plan && !rec.plan) rec.plan = rec.outputs.plan;
    delete rec.outputs;
  }
  return rec;
}

export class JobQueue {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly listeners = new Set<JobListener>();
  private readonly waiters = new Map<string, Array<(j: JobSnapshot) => void>>();
  private readonly active = new Map<string, Active>();
  private readonly slots: StageSlots;
  private readonly mutations = new Map<string, Promise<unknown>>();
  private readonly pausing = new Set<string>();
  private closed = false;

  private constructor(
    private readonly store: JobStore<JobRecord>,
    private readonly stages: StageRunner[],
    private readonly options: QueueOptions,
  ) {
    const names = stages.map((s) => s.name).join(',');
    if (names !== STAGES.join(',')) throw new Error(`stage runners must be ${STAGES.join(',')} in order, got ${names}`);
    this.slots = new StageSlots(options.stageLimits ?? {}, (id) => {
      const i = this.ordered().findIndex((j) => j.id === id);
      return i < 0 ? Infinity : i;
    });
  }

  /** Open the queue on its store; jobs interrupted by a crash are re-queued at their current stage. */
  static async open(store: JobStore<JobRecord>, stages: StageRunner[], options: QueueOptions = {}): Promise<JobQueue> {
    const q = new JobQueue(store, stages, options);
    for (const rec of (await store.open()).map(migrate)) {
      // Records written before a stage was added get it as pending (or skipped if the job already ended).
      for (const s of STAGES) rec.stages[s] ??= { state: isFinal(rec.state) ? 'skipped' : 'pending', fraction: 0 };
      if (rec.state === 'running') {
        rec.state = 'queued';
        for (const s of STAGES) {
          const st = rec.stages[s];
          if (st.state === 'running')
            rec.stages[s] = { state: 'pending', fraction: 0, detail: 'resuming after restart' };
        }
        await store.save(rec);
      }
      q.jobs.set(rec.id, rec);
    }
    queueMicrotask(() => q.pump());
    return q;
  }

  onUpdate(listener: JobListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Jobs in the order they will run: priority, then age. */
  private ordered(): JobRecord[] {
    return [...this.jobs.values()].sort(
      (a, b) => (a.priority ?? 0) - (b.priority ?? 0) || a.createdAt.localeCompare(b.createdAt),
    );
  }

  /** Move a waiting job up or down one place among waiting jobs, or to the top. */
  async move(id: string, where: 'up' | 'down' | 'top'): Promise<void> {
    const rec = this.must(id);
    const waiting = this.ordered().filter((j) => j.state === 'queued' || j.state === 'paused');
    const i = waiting.indexOf(rec);
    if (i < 0)
      throw new StationError(`"${rec.title}" is ${rec.state}: only waiting titles can be reordered`, 'not-waiting');
    const order = waiting.filter((j) => j !== rec);
    const to = where === 'top' ? 0 : where === 'up' ? Math.max(0, i - 1) : Math.min(order.length, i + 1);
    order.splice(to, 0, rec);
    for (const [k, j] of order.entries()) {
      if (j.priority !== k) {
        j.priority = k;
        await this.persist(j);
      }
    }
  }

  /** Pause a waiting or running job: a running stage stops (keeping resumable uploads) and reruns on resume. */
  async pause(id: string): Promise<void> {
    const rec = this.must(id);
    if (rec.state === 'queued') {
      rec.state = 'paused';
      await this.persist(rec);
    } else if (rec.state === 'running') {
      const run = this.active.get(id);
      if (!run) return;
      this.pausing.add(id);
      run.ac.abort(new PauseError());
      await run.done;
    }
  }

  async resume(id: string): Promise<void> {
    const rec = this.must(id);
    if (rec.state !== 'paused') return;
    rec.state = 'queued';
    await this.persist(rec);
    this.pump();
  }

  /** Retry a failed job from the stage that failed; stages before it are not redone. */
  async retry(id: string): Promise<void> {
    const rec = this.must(id);
    if (rec.state !== 'failed')
      throw new StationError(`"${rec.title}" is ${rec.state}: only failed titles can be retried`, 'not-failed');
    const failed = rec.error?.stage;
    if (failed) {
      rec.stages[failed] = { state: 'pending', fraction: 0, detail: 'retrying' };
      for (const s of this.stages.find((r) => r.name === failed)?.alsoRetry?.(rec) ?? [])
        rec.stages[s] = { state: 'pending', fraction: 0, detail: 'retrying' };
    }
    delete rec.error;
    rec.state = 'queued';
    await this.persist(rec);
    this.pump();
  }

  async pauseAll(): Promise<void> {
    for (const j of this.ordered()) if (j.state === 'queued' || j.state === 'running') await this.pause(j.id);
  }

  async resumeAll(): Promise<void> {
    for (const j of this.ordered()) if (j.state === 'paused') await this.resume(j.id);
  }

  private must(id: string): JobRecord {
    const rec = this.jobs.get(id);
    if (!rec) throw new StationError(`No job with id ${id}`, 'no-such-job');
    return rec;
  }

  list(): JobSnapshot[] {
    return [...this.jobs.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map(toSnapshot);
  }

  get(id: string): JobRecord | undefined {
    return this.jobs.get(id);
  }

  /**
   * Queue one job per source file, each with what the operator asked for its title (an ID of the
   * platform's, replace). A source that already has an unfinished job (e.g. interrupted by a crash)
   * gets that job back instead of a new one, so its completed stages are kept.
   */
  async add(
    sourcePaths: string[],
    requests: Record<string, TitleRequest> = {},
    opts: AddOptions = {},
  ): Promise<JobSnapshot[]> {
    if (this.closed) throw new Error('queue is closed');
    const created: JobSnapshot[] = [];
    // One batch per call: the masters of one drop (or one watch-folder scan) are grouped by it.
    const batch = `b${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
    if (opts.id !== undefined) {
      if (sourcePaths.length !== 1) throw new Error('a job id names one master');
      const problem = segmentProblem(opts.id);
      if (problem) throw new StationError(`"${opts.id.slice(0, 80)}" cannot be a job id: ${problem}`, 'unsafe-name');
      const held = this.jobs.get(opts.id);
      // Cancelled here and submitted again (the farm's retry): a new job under the same id.
      if (held?.state === 'cancelled') this.jobs.delete(held.id);
      else if (held) {
        if (held.state === 'failed') await this.retry(held.id);
        else if (held.state === 'paused') await this.resume(held.id);
        return [toSnapshot(held)];
      }
    }
    // Before anything opens them: a named pipe would block the opener for ever (util/regular-file.ts).
    for (const sourcePath of sourcePaths) {
      const problem = await notRegularFile(sourcePath);
      if (problem) throw notAFile(problem);
    }
    for (const sourcePath of sourcePaths) {
      const request = checkedRequest(requests[sourcePath]);
      // The same master dropped twice (same path, or same size + first/last MiB anywhere) with the
      // same title request is recognised: an unfinished or delivered job is returned instead.
      const fingerprint = await fingerprintFile(sourcePath).then(
        (f) => `${f.size}:${f.headTailSha256}`,
        () => undefined,
      );
      // A package for a folder (`transcode --out`) is the same job only for the same folder, and a
      // finished one is made again (the operator may have moved it away).
      // A failed one is retried from where it failed: run again, a title keeps its job — and with
      // it the title ID and version its claim holds at the stores.
      const existing = [...this.jobs.values()].find(
        (j) =>
          sameRequest(j.titleRequest, request) &&
          j.packageTarget === opts.packageTarget &&
          ((j.sourcePath === sourcePath && !isFinal(j.state)) ||
            (fingerprint &&
              j.fingerprint === fingerprint &&
              (((j.state === 'done' || j.state === 'failed') && !opts.packageTarget) || !isFinal(j.state)))),
      );
      if (existing && opts.id === undefined) {
        if (existing.state === 'failed') await this.retry(existing.id);
        created.push(toSnapshot(existing));
        continue;
      }
      const t = now();
      const rec: JobRecord = {
        id: opts.id ?? newJobId(),
        title: basename(sourcePath, extname(sourcePath)),
        sourcePath,
        state: opts.hold ? 'paused' : 'queued',
        stage: STAGES[0],
        stages: opts.hold
          ? {
              ...emptyStages(),
              probe: { state: 'pending', fraction: 0, detail: 'held: set its title ID, then Resume' },
            }
          : emptyStages(),
        createdAt: t,
        updatedAt: t,
        batch,
        ...(fingerprint ? { fingerprint } : {}),
        ...(request ? { titleRequest: request } : {}),
        ...(opts.packageTarget ? { packageTarget: opts.packageTarget } : {}),
        ...(opts.extraCaptions?.length ? { extraCaptions: opts.extraCaptions } : {}),
        ...(opts.overrides && Object.keys(opts.overrides).length ? { overrides: opts.overrides } : {}),
        uploads: [],
        warnings: [],
      };
      this.jobs.set(rec.id, rec);
      await this.store.save(rec);
      this.emit(rec);
      created.push(toSnapshot(rec));
    }
    this.pump();
    return created;
  }

  /**
   * Set what the operator asks for a title (its ID, replace) while it has not claimed one yet — a
   * waiting title, or one that stopped at its claim (a conflict). Once claimed, the ID is fixed.
   */
  async setTitle(id: string, request: TitleRequest): Promise<JobSnapshot> {
    const rec = this.must(id);
    const claimed = rec.stages.claim.state === 'done' || rec.stages.claim.state === 'skipped';
    if (rec.state === 'running' || (isFinal(rec.state) && rec.state !== 'failed') || claimed) {
      throw new StationError(
        `The title ID of "${rec.title}" can no longer change: ${claimed ? `it is claimed as ${rec.claim?.titleId ?? '…'} at the stores` : `the title is ${rec.state}`}. Cancel it and add the master again to deliver it under another ID.`,
        'title-fixed',
      );
    }
    const checked = checkedRequest(request);
    if (checked) rec.titleRequest = checked;
    else delete rec.titleRequest;
    await this.persist(rec);
    return toSnapshot(rec);
  }

  /**
   * Override a title's content decisions while it is not yet encoding (the Master tab): stored on
   * the job, and a title already planned is planned again (the analysis is reused as measured).
   */
  async setOverrides(id: string, overrides: ContentOverrides): Promise<JobSnapshot> {
    const rec = this.must(id);
    // Once claimed, the encode may start the moment the title resumes: it must not race a new plan.
    const encoding = rec.stages.transcode.state !== 'pending' || rec.stages.claim.state === 'done';
    if (rec.state === 'running' || rec.state === 'cancelled' || encoding) {
      throw new StationError(
        `The decisions of "${rec.title}" can no longer change: ${encoding ? 'its encode has begun with them' : `the title is ${rec.state}`}. ${encoding ? 'Cancel it, add the master again with Hold, set the overrides, then Resume.' : 'Pause it first, then set the overrides.'}`,
        'overrides-fixed',
      );
    }
    if (Object.keys(overrides).length) rec.overrides = overrides;
    else delete rec.overrides;
    const again = { state: 'pending' as const, fraction: 0, detail: 'planned again: overrides changed' };
    if (rec.stages.plan.state === 'done') rec.stages.plan = again;
    // An offline package skipped its claim: it waits for the new plan too.
    if (rec.stages.claim.state === 'skipped') rec.stages.claim = { state: 'pending', fraction: 0 };
    await this.persist(rec);
    return toSnapshot(rec);
  }

  async cancel(id: string): Promise<void> {
    const rec = this.jobs.get(id);
    if (!rec) throw new StationError(`No job with id ${id}`, 'no-such-job');
    if (isFinal(rec.state)) return;
    const run = this.active.get(id);
    if (run) {
      run.ac.abort();
      await run.done;
      return;
    }
    await this.finishCancelled(rec);
  }

  /**
   * Change a job outside its stages (an on-demand audit), then persist and announce it. Calls for
   * one job run one after another.
   */
  async mutate<T>(id: string, fn: (job: JobRecord) => Promise<T>): Promise<T> {
    const rec = this.jobs.get(id);
    if (!rec) throw new StationError(`No job with id ${id}`, 'no-such-job');
    const prev = this.mutations.get(id) ?? Promise.resolve();
    const next = prev
      .catch(() => undefined)
      .then(async () => {
        try {
          return await fn(rec);
        } finally {
          await this.persist(rec);
        }
      });
    this.mutations.set(id, next);
    return next;
  }

  /** Resolves with the job's snapshot once it is done, failed or cancelled. */
  waitFor(id: string): Promise<JobSnapshot> {
    const rec = this.jobs.get(id);
    if (!rec) return Promise.reject(new StationError(`No job with id ${id}`, 'no-such-job'));
    if (isFinal(rec.state)) return Promise.resolve(toSnapshot(rec));
    return new Promise((resolve) => {
      const list = this.waiters.get(id) ?? [];
      list.push(resolve);
      this.waiters.set(id, list);
    });
  }

  /** Stop taking work, cancel nothing: a running job is interrupted and resumes on next open. */
  async close(): Promise<void> {
    this.closed = true;
    const runs = [...this.active.values()];
    for (const run of runs) run.ac.abort(new ShutdownError());
    await Promise.all(runs.map((r) => r.done.catch(() => undefined)));
    await this.store.close();
  }

  private emit(rec: JobRecord): void {
    const snap = toSnapshot(rec);
    for (const l of this.listeners) l(snap);
    if (isFinal(rec.state)) {
      for (const w of this.waiters.get(rec.id) ?? []) w(snap);
      this.waiters.delete(rec.id);
    }
  }

  private async persist(rec: JobRecord): Promise<void> {
    rec.updatedAt = now();
    await this.store.save(rec);
    this.emit(rec);
  }

  private pump(): void {
    if (this.closed) return;
    const max = this.options.activeJobs ?? 1;
    const waiting = this.ordered().filter(
      (j) => j.state === 'queued' && !this.active.has(j.id) && (this.options.eligible?.(j) ?? true),
    );
    for (const next of waiting) {
      if (this.active.size >= max) return;
      const ac = new AbortController();
      // Every in-flight request of the job links to this signal (see linkedAbort): up to the upload
      // pool size at once, legitimately more than Node's default warning threshold of 10.
      setMaxListeners(256, ac.signal);
      const done = this.runJob(next, ac.signal)
        .catch((err: unknown) => console.error(`queue: job ${next.id} crashed the runner: ${errorMessage(err)}`))
        .finally(() => {
          this.active.delete(next.id);
          this.pump();
        });
      this.active.set(next.id, { ac, done });
    }
  }

  /** The stages a runner waits for: its `after`, else the stage before it. */
  private depsOf(runner: StageRunner): StageName[] {
    if (runner.after && this.options.overlap !== false) return runner.after;
    const i = this.stages.indexOf(runner);
    return i > 0 ? [this.stages[i - 1]!.name] : [];
  }

  /**
   * Run a job's stages: every stage whose dependencies are done starts (inside its resource limit),
   * so stages that only need the claim — transcode, verify, the uploads — run side by side and hand
   * each other chunks. The first failure stops the siblings (their resumable state is kept: they go
   * back to pending) and fails the job at that stage; pause, cancel and shutdown stop them all.
   */
  private async runJob(rec: JobRecord, signal: AbortSignal): Promise<void> {
    rec.state = 'running';
    await this.persist(rec);
    const siblings = linkedAbort(signal);
    const running = new Map<StageName, Promise<void>>();
    let failure: { stage: StageName; err: unknown } | undefined;
    const finished = (s: StageName): boolean => rec.stages[s].state === 'done' || rec.stages[s].state === 'skipped';
    const ready = (r: StageRunner): boolean =>
      !finished(r.name) && !running.has(r.name) && this.depsOf(r).every(finished);
    try {
      for (;;) {
        if (!failure && !siblings.signal.aborted) {
          for (const runner of this.stages.filter(ready)) {
            running.set(
              runner.name,
              this.runStage(rec, runner, siblings.signal)
                .catch((err: unknown) => {
                  if (!failure && !siblings.signal.aborted) {
                    failure = { stage: runner.name, err };
                    siblings.controller.abort(new SiblingStopped(runner.name));
                  }
                })
                .finally(() => running.delete(runner.name)),
            );
          }
        }
        if (running.size === 0) break;
        await Promise.race(running.values());
      }
    } finally {
      siblings.dispose();
    }
    if (this.closed && signal.aborted) return; // shutdown: the job stays 'running' and resumes on next open
    if (this.pausing.delete(rec.id)) {
      rec.state = 'paused';
      await this.persist(rec);
      return;
    }
    if (signal.aborted) {
      await this.finishCancelled(rec);
      return;
    }
    if (failure) {
      const { stage, err } = failure;
      rec.stages[stage] = { ...rec.stages[stage], state: 'failed', endedAt: now() };
      rec.stage = stage;
      rec.state = 'failed';
      rec.error = {
        stage,
        message: errorMessage(err),
        ...(err instanceof StationError ? { code: err.code } : {}),
        ...(err instanceof StationError && err.detail ? { detail: err.detail } : {}),
        ...(err instanceof VerificationError ? { problems: err.problems.slice(0, MAX_PROBLEMS_SHOWN) } : {}),
      };
      await this.persist(rec);
      return;
    }
    if (this.stages.every((r) => finished(r.name))) {
      rec.state = 'done';
      await this.persist(rec);
    }
  }

  /**
   * One stage of a job: wait for its slot, run it, record the result. Rejects with the stage's own
   * error when it fails; a stage stopped from outside (pause, cancel, a sibling's failure) records
   * that and resolves.
   */
  private async runStage(rec: JobRecord, runner: StageRunner, signal: AbortSignal): Promise<void> {
    let release: (() => void) | undefined;
    try {
      if (!this.slots.free(runner.name)) {
        rec.stages[runner.name] = {
          state: 'pending',
          fraction: 0,
          detail: `waiting for a ${runner.name} slot (${this.slots.limit(runner.name)} at a time)`,
        };
        this.emit(rec);
      }
      release = await this.slots.acquire(runner.name, rec.id, signal);
      rec.stages[runner.name] = { state: 'running', fraction: 0, startedAt: now() };
      rec.stage = this.currentStage(rec, runner.name);
      await this.persist(rec);
      if (signal.aborted) throw signal.reason ?? new CancelledError();
      const result = await runner.run({
        job: rec,
        signal,
        progress: (p) => {
          const cur = rec.stages[runner.name];
          rec.stages[runner.name] = { state: 'running', ...(cur.startedAt ? { startedAt: cur.startedAt } : {}), ...p };
          rec.updatedAt = now();
          this.emit(rec);
        },
        checkpoint: () => this.persist(rec),
      });
      const started = rec.stages[runner.name].startedAt;
      rec.stages[runner.name] = {
        state: result,
        fraction: 1,
        ...(started ? { startedAt: started } : {}),
        endedAt: now(),
      };
      release();
      release = undefined;
      rec.stage = this.currentStage(rec, runner.name);
      await this.persist(rec);
    } catch (err) {
      release?.();
      if (this.closed && signal.aborted) return;
      const reason: unknown = signal.aborted ? signal.reason : undefined;
      if (this.pausing.has(rec.id) && signal.aborted) {
        // Paused: this stage starts again on resume; what it left resumable (upload journals) is kept.
        rec.stages[runner.name] = { state: 'pending', fraction: 0, detail: 'paused' };
        return;
      }
      if (reason instanceof SiblingStopped) {
        rec.stages[runner.name] = { state: 'pending', fraction: 0, detail: `stopped: ${reason.stage} failed` };
        return;
      }
      if (isCancelled(err) || signal.aborted) {
        rec.stages[runner.name] = { ...rec.stages[runner.name], state: 'cancelled', endedAt: now() };
        return;
      }
      throw err;
    }
  }

  /** The stage a job's row shows: the first one running, else the one that just changed. */
  private currentStage(rec: JobRecord, fallback: StageName): StageName {
    return STAGES.find((s) => rec.stages[s].state === 'running') ?? fallback;
  }

  private async finishCancelled(rec: JobRecord): Promise<void> {
    for (const runner of this.stages) {
      await runner.cleanup?.(rec).catch((err) => rec.warnings.push(`cleanup of ${runner.name}: ${errorMessage(err)}`));
    }
    rec.state = 'cancelled';
    rec.error = { stage: rec.stage, message: 'Cancelled by the operator' };
    await this.persist(rec);
  }
}
