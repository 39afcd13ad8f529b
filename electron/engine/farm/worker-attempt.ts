/**
 * One farm worker's attempt at one title, a method per concern: taking it (the operator's word
 * before it starts, the master this machine may read, the fence the station checks before each
 * commit step), running it through the worker's station, the farm's hold on it (the lock lost or
 * the worker stopping interrupts it), the operator's pause and cancel while it runs, the stall
 * watchdog, its progress reported to the farm, and how it ends there (settled).
 */
import { access, constants, realpath } from 'node:fs/promises';
import { STAGE_LABELS, isFinal, type JobSnapshot } from '../../common/jobs.js';
import type { Station } from '../station.js';
import { toSnapshot } from '../queue/job-queue.js';
import { FARM_PAUSED_FOR_MS, type FarmAttempt, type FarmProgress } from './farm-queue.js';
import { releaseAt, titleDestinations } from '../title/claim.js';
import { mapPath, type PathRule } from './path-map.js';
import { errorMessage } from '../util/errors.js';
import { isWithin } from '../util/contained-path.js';

/** What every attempt of one worker shares. */
export interface WorkerSide {
  name: string;
  station: Station;
  pathMap: PathRule[];
  /** The folders it reads masters from, links resolved. */
  allowed: string[];
  /** The titles it runs now (its station's `eligible`), each with its attempt's fence. */
  held: Map<string, () => Promise<void>>;
  /** How often it looks at the operator's pause/cancel (default 1 s). */
  controlPollMs?: number;
  /** No sign of progress for this long and the attempt stops (default 30 min). */
  stallMs?: number;
  log: (line: string) => void;
}

/** After this many set-asides because workers could not read the master, the title fails with who tried. */
const UNSEEN_LIMIT = 10;
/** A title set aside for another worker waits this long before any worker takes it again. */
const SET_ASIDE_MS = 2000;

/** No update of a title (progress, state) for this long: its attempt stalled. */
const ATTEMPT_STALL_MS = 30 * 60_000;

const readable = (path: string): Promise<boolean> =>
  access(path, constants.R_OK).then(
    () => true,
    () => false,
  );

type Interruption = 'interrupted' | 'paused' | { stalled: string };

export class WorkerAttempt {
  /** The title ended here (done, failed or cancelled), not interrupted: it counts toward `--titles`. */
  ended = false;
  private readonly id: string;
  /** Whichever interruption ends the attempt before the title does. */
  private readonly interrupted: Promise<Interruption>;
  private end!: (why: Interruption) => void;
  /** The operator's action this attempt carried out (set before the queue acts on it). */
  private operator: 'pause' | 'cancel' | undefined;
  /** The latest snapshot of the title (the last report sends it, whatever the throttle held back). */
  private pending: JobSnapshot | undefined;
  private readonly cleanups: Array<() => void> = [];

  constructor(
    private readonly a: FarmAttempt,
    private readonly w: WorkerSide,
  ) {
    this.id = a.job.id!;
    this.interrupted = new Promise<Interruption>((resolve) => (this.end = resolve));
  }

  async run(): Promise<unknown> {
    const path = await this.take();
    try {
      this.reportProgress();
      this.followOperator();
      this.holdLease();
      this.watchStall();
      const outcome = await this.runTitle(path);
      await this.lastReport();
      if (typeof outcome === 'object') this.ended = true;
      return await settle(this.a, outcome, this.w.name, this.w.log);
    } finally {
      for (const stop of this.cleanups) stop();
      this.w.held.delete(this.id);
    }
  }

  /** The operator's word before it starts, then the master on this machine; the title is then held here, fenced. */
  private async take(): Promise<string> {
    await controlBeforeStart(this.a, this.w.station);
    const path = await masterFor(this.a, this.w);
    this.w.held.set(this.id, this.a.fence);
    return path;
  }

  /** The title through this worker's station under its farm id, until it ends or is interrupted. */
  private async runTitle(path: string): Promise<JobSnapshot | Interruption> {
    const { job } = this.a;
    const { queue } = this.w.station;
    // A master the queue refuses (a pipe or device in its place, a bad title request) fails the title with why.
    const added = queue
      .add([path], job.data.request ? { [path]: job.data.request } : {}, { id: this.id })
      .catch((err: unknown) => this.a.fail(errorMessage(err)));
    const first = await Promise.race([added.then(() => 'added' as const), this.interrupted]);
    if (first !== 'added') return first;
    this.w.log(`${job.data.title}: taken by ${this.w.name} (attempt ${job.attemptsStarted ?? job.attemptsMade + 1})`);
    return Promise.race([queue.waitFor(this.id), this.interrupted]);
  }

  /** Its progress published to the farm: one write a second per title (and every change of state) is plenty for any desktop. */
  private reportProgress(): void {
    let last = 0;
    this.onUpdate((s) => {
      this.pending = s;
      if (Date.now() - last < 1000 && !isFinal(s.state)) return;
      last = Date.now();
      void this.a.report({ worker: this.w.name, snapshot: s }).catch(() => undefined);
    });
  }

  /** The last word on the title, whatever the once-a-second throttle held back. */
  private async lastReport(): Promise<void> {
    const rec = this.w.station.queue.get(this.id);
    if (this.pending)
      await this.a
        .report({ worker: this.w.name, snapshot: rec ? toSnapshot(rec) : this.pending })
        .catch(() => undefined);
  }

  /** The operator's pause and cancel at the farm, carried out on this station's queue. */
  private followOperator(): void {
    const { station } = this.w;
    this.onUpdate((s) => {
      if (s.state === 'paused' && this.operator === 'pause') this.end('paused');
    });
    const poll = setInterval(() => {
      void this.a
        .control()
        .then(async (c) => {
          // Not in this station's queue yet (still being added): the next poll acts on it.
          if (this.operator || !station.queue.get(this.id)) return;
          const action = c.cancel ? 'cancel' : c.pause ? 'pause' : undefined;
          if (!action) return;
          // Set first: the queue announces the paused title before pause() returns.
          this.operator = action;
          await station.queue[action](this.id).catch((err: unknown) => {
            this.operator = undefined;
            throw err;
          });
        })
        // Redis unreachable, or the title gone from this station's queue: said, never a crash.
        .catch((err: unknown) =>
          this.w.log(`${this.a.job.data.title}: the operator's control failed: ${errorMessage(err)}`),
        );
    }, this.w.controlPollMs ?? 1000);
    this.cleanups.push(() => clearInterval(poll));
  }

  /** The farm's hold on the title (its lock, renewed by the farm queue): lost, or the worker stopping, interrupts it. */
  private holdLease(): void {
    if (this.a.signal.aborted) this.interrupt('interrupted');
    else this.a.signal.addEventListener('abort', () => this.interrupt('interrupted'), { once: true });
  }

  /** The title's signs of life: no update for `stallMs` and the attempt stops. */
  private watchStall(): void {
    let alive = Date.now();
    this.onUpdate(() => (alive = Date.now()));
    const stallMs = this.w.stallMs ?? ATTEMPT_STALL_MS;
    const watchdog = setInterval(
      () => {
        if (Date.now() - alive < stallMs) return;
        clearInterval(watchdog);
        const silentMs = Date.now() - alive;
        this.interrupt({ stalled: stalledAttempt(this.w.station.queue.get(this.id), silentMs, this.w.name) });
      },
      Math.max(100, Math.min(5000, stallMs / 4)),
    );
    this.cleanups.push(() => clearInterval(watchdog));
  }

  /** Interrupt, undo nothing: the farm took the title away, the worker is stopping, or it stalled. */
  private interrupt(why: Interruption): void {
    void this.w.station.queue
      .pause(this.id)
      .catch(() => undefined)
      .then(() => this.end(why));
  }

  /** This title's updates in the station's queue, until the attempt ends. */
  private onUpdate(listener: (s: JobSnapshot) => void): void {
    this.cleanups.push(
      this.w.station.queue.onUpdate((s) => {
        if (s.id === this.id) listener(s);
      }),
    );
  }
}

/** The operator's word on a title before it runs here: cancelled (claims given back) or paused (set aside). */
async function controlBeforeStart(a: FarmAttempt, station: Station): Promise<void> {
  const id = a.job.id!;
  const control = await a.control();
  const local = station.queue.get(id);
  if (control.cancel) {
    if (local && !isFinal(local.state)) await station.queue.cancel(id);
    else if (!local)
      await releaseClaims(station, id, (a.job.progress as Partial<FarmProgress> | undefined)?.snapshot?.claim?.titleId);
    a.fail(`cancelled by the operator (${control.cancel})`);
  }
  if (control.pause) await a.setAside(FARM_PAUSED_FOR_MS);
}

/** Why this worker does not read `path`: outside every allowed folder once links are resolved. */
async function outsideAllowed(path: string, allowed: string[]): Promise<string | undefined> {
  const real = await realpath(path).catch(() => path);
  if (allowed.some((root) => isWithin(root, real))) return undefined;
  return `${real === path ? path : `${path} (which resolves to ${real})`}: it is outside the folders it reads masters from (${allowed.join(', ')})`;
}

/**
 * The master on this machine (path map), read only from an allowed folder; one this worker cannot
 * read or may not read is set aside for another worker, and fails once ten have tried.
 */
async function masterFor(a: FarmAttempt, o: WorkerSide): Promise<string> {
  const { job } = a;
  const path = mapPath(job.data.masterPath, o.pathMap);
  const seen = await readable(path);
  const refused = seen ? await outsideAllowed(path, o.allowed) : undefined;
  if (seen && !refused) return path;
  const unseenBy = [...(job.data.unseenBy ?? []), o.name];
  const why = refused
    ? `${o.name} does not read ${refused}`
    : `${o.name} cannot read the master at ${path}${path !== job.data.masterPath ? ` (mapped from ${job.data.masterPath})` : ''}`;
  o.log(`${job.data.title}: ${why} — leaving it for another worker`);
  if (unseenBy.length >= UNSEEN_LIMIT)
    a.fail(
      `No worker could read the master (tried by ${[...new Set(unseenBy)].join(', ')}): ${why}. Check each worker's --path-map, --allow and its mounts.`,
    );
  await job.updateData({ ...job.data, unseenBy });
  return a.setAside(SET_ASIDE_MS);
}

function stalledAttempt(rec: JobSnapshot | undefined, silentMs: number, worker: string): string {
  const stage = rec
    ? `${STAGE_LABELS[rec.stage]}${rec.stages[rec.stage].detail ? ` (${rec.stages[rec.stage].detail})` : ''}`
    : 'starting';
  return `no sign of progress for ${Math.round(silentMs / 1000)} s in ${stage}: ${worker} stopped it (nothing undone). The master's storage or a destination may have stopped answering; retry the title once it answers.`;
}

/** How an attempt that ran ends at the farm: delivered, failed or cancelled, given back, set aside. */
async function settle(
  a: FarmAttempt,
  outcome: JobSnapshot | Interruption,
  worker: string,
  log: (line: string) => void,
): Promise<unknown> {
  if (outcome === 'interrupted') {
    // Given back to the queue (not failed): the next worker resumes it. With the lock already
    // lost this move is refused, and the title is simply the other attempt's.
    log(
      `${a.job.data.title}: ${worker} stopped working on it (${String(a.signal.reason ?? 'stopping')}); another worker resumes it`,
    );
    return a.setAside(0);
  }
  // Paused by the operator: set aside (the flag stays, so every desktop shows it paused).
  if (outcome === 'paused') return a.setAside(FARM_PAUSED_FOR_MS);
  if ('stalled' in outcome) {
    log(`${a.job.data.title}: ${outcome.stalled}`);
    return a.fail(outcome.stalled);
  }
  if (outcome.state === 'cancelled') a.fail(`cancelled by the operator`);
  if (outcome.state === 'failed') a.fail(outcome.error ? `${outcome.error.stage}: ${outcome.error.message}` : 'failed');
  return { titleId: outcome.claim?.titleId, version: outcome.claim?.version, worker };
}

/**
 * A title cancelled while no worker holds it, last run by a worker that is gone: its claims are
 * given back here (the pending version removed), as that worker's cancel would have.
 */
async function releaseClaims(station: Station, id: string, titleId: string | undefined): Promise<void> {
  if (!titleId) return;
  for (const d of titleDestinations(station)) await releaseAt(d, titleId, id);
}
