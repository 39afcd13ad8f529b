/**
 * A headless farm worker: takes titles from the farm's queue (farm-queue.ts) and runs each through
 * its own station — the same engine, stages and journals as the desktop — under the title's farm
 * id, in the farm's shared work folder. So a worker that takes a title after another died finds
 * that title's chunk journal, verified segments and upload journals where the first left them:
 * the claim resumes the same pending version, the encode restarts at the first unpublished
 * segment set, acknowledged parts and objects are not sent again.
 *
 * Each attempt is fenced: before every commit step (playlists and manifest, entry points, the
 * archive's commit, the report) the station asks whether this attempt is still the title's
 * current one, and stops if another worker took it after a stall. A lost lock also stops the
 * attempt at once (its stage is interrupted, nothing undone). A master this worker cannot see
 * (its path map, its mounts) is set aside for another worker, with the reason recorded.
 */
import { access, constants, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { StationConfig } from '../../common/config.js';
import { STAGE_LABELS, isFinal, type JobSnapshot } from '../../common/jobs.js';
import { openStation, type Station } from '../station.js';
import { resolveWorkDir } from '../settings/config-paths.js';
import { toSnapshot } from '../queue/job-queue.js';
import {
  FARM_PAUSED_FOR_MS,
  startFarmWorker,
  type FarmAttempt,
  type FarmConnection,
  type FarmProgress,
} from './farm-queue.js';
import { releaseAt, titleDestinations } from '../title/claim.js';
import { mapPath, type PathRule } from './path-map.js';
import { StationError, errorMessage } from '../util/errors.js';
import { isWithin } from '../util/contained-path.js';
import { childPath } from '../util/owned-folder.js';

export interface FarmWorkerConfig extends FarmConnection {
  name: string;
  config: StationConfig;
  baseDir: string;
  pathMap: PathRule[];
  /**
   * The only folders this worker reads masters from (`--allow`); default: the path map's targets.
   * A master outside them — or a link inside them that points out — is not read here.
   */
  allow?: string[];
  /** Stop after this many titles have ended here (done, failed or cancelled). */
  titles?: number;
  lockMs?: number;
  stalledCheckMs?: number;
  /** How often the worker looks at the operator's pause/cancel for the titles it holds. */
  controlPollMs?: number;
  /** A title that shows no sign of progress here for this long is stopped and failed (default 30 min). */
  stallMs?: number;
  log: (line: string) => void;
  /** Tests: overrides for the station (timeouts). */
  stationOverrides?: Partial<Parameters<typeof openStation>[0]>;
}

export interface RunningWorker {
  station: Station;
  /** Resolves when the worker stopped (its `titles` ran, or stop()). */
  stopped: Promise<void>;
  stop(): Promise<void>;
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

export async function runFarmWorker(o: FarmWorkerConfig): Promise<RunningWorker> {
  const allowed = await allowedRoots(o);
  const assigned = new Set<string>();
  const fences = new Map<string, () => Promise<void>>();
  const workDir = resolveWorkDir(o.config, o.baseDir);
  const station = await openStation({
    config: o.config,
    baseDir: o.baseDir,
    eligible: (j) => assigned.has(j.id),
    jobStoreFile: join(childPath(join(workDir, 'workers'), o.name, 'the worker name'), 'jobs.jsonl'),
    fence: async (id) => fences.get(id)?.(),
    stationName: o.name,
    warn: (s) => o.log(`warning: ${s}`),
    ...o.stationOverrides,
  });
  let ended = 0;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let stopping: Promise<void> | undefined;

  const attempt = async (a: FarmAttempt): Promise<unknown> => {
    const { job } = a;
    const id = job.id!;
    await controlBeforeStart(a, station);
    const path = await masterFor(a, o, allowed);
    assigned.add(id);
    fences.set(id, a.fence);
    const watch = watchAttempt(a, station, o);
    try {
      // A master the queue refuses (a pipe or device in its place, a bad title request) fails the title with why.
      const added = station.queue
        .add([path], job.data.request ? { [path]: job.data.request } : {}, { id })
        .catch((err: unknown) => a.fail(errorMessage(err)));
      const first = await Promise.race([added.then(() => 'added' as const), watch.outcome]);
      if (first === 'added') {
        o.log(`${job.data.title}: taken by ${o.name} (attempt ${job.attemptsStarted ?? job.attemptsMade + 1})`);
      }
      const outcome = first === 'added' ? await Promise.race([station.queue.waitFor(id), watch.outcome]) : first;
      await watch.lastReport();
      if (typeof outcome === 'object') ended++;
      return await settle(a, outcome, o.name, o.log);
    } finally {
      watch.stop();
      assigned.delete(id);
      fences.delete(id);
      if (o.titles !== undefined && ended >= o.titles) void stop();
    }
  };

  const farm = await startFarmWorker(
    {
      url: o.url,
      name: o.name,
      concurrency: o.config.activeJobs,
      ...(o.lockMs ? { lockMs: o.lockMs } : {}),
      ...(o.stalledCheckMs ? { stalledCheckMs: o.stalledCheckMs } : {}),
      onError: (err) => o.log(`farm: ${errorMessage(err)}`),
    },
    attempt,
  );
  const check = await farm.check();
  for (const p of check.problems) o.log(`farm: ${p}`);
  for (const w of check.warnings) o.log(`farm: ${w}`);
  o.log(
    `${o.name}: taking titles from the farm (Redis ${check.version}), ${o.config.activeJobs} at a time, work folder ${workDir}`,
  );

  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await farm.stop();
      await station.close();
      resolveStopped();
    })());
  return { station, stopped, stop };
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

/** The folders a worker reads masters from, symlinks resolved: `--allow`, else its path map's targets. */
async function allowedRoots(o: FarmWorkerConfig): Promise<string[]> {
  const given = o.allow?.length ? o.allow : o.pathMap.map((r) => r.to);
  if (given.length === 0)
    throw new StationError(
      `${o.name} reads masters only under folders it is given: add --allow <folder> for each folder of the farm's masters (or --path-map FROM=TO, whose targets are allowed).`,
      'config-allow',
    );
  return Promise.all(
    given.map((d) =>
      realpath(d).catch((err: Error) => {
        throw new StationError(`--allow ${d}: ${err.message}`, 'config-allow');
      }),
    ),
  );
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
async function masterFor(a: FarmAttempt, o: FarmWorkerConfig, allowed: string[]): Promise<string> {
  const { job } = a;
  const path = mapPath(job.data.masterPath, o.pathMap);
  const seen = await readable(path);
  const refused = seen ? await outsideAllowed(path, allowed) : undefined;
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

type Interruption = 'interrupted' | 'paused' | { stalled: string };

/**
 * Everything that watches one attempt while its title runs here: its progress published to the
 * farm (once a second), the operator's pause and cancel, the farm taking the title away (lock lost,
 * worker stopping) and the title's signs of life — no update for `stallMs` and the attempt stops.
 * `outcome` resolves with whichever of those ends the attempt before the title does.
 */
function watchAttempt(
  a: FarmAttempt,
  station: Station,
  o: FarmWorkerConfig,
): { outcome: Promise<Interruption>; lastReport(): Promise<void>; stop(): void } {
  const id = a.job.id!;
  let last = 0;
  let alive = Date.now();
  let pending: JobSnapshot | undefined;
  let operator: 'pause' | 'cancel' | undefined;
  let end!: (why: Interruption) => void;
  const outcome = new Promise<Interruption>((resolve) => (end = resolve));
  const off = station.queue.onUpdate((s) => {
    if (s.id !== id) return;
    alive = Date.now();
    pending = s;
    if (s.state === 'paused' && operator === 'pause') end('paused');
    // One progress write a second per title (and every change of state) is plenty for any desktop.
    if (Date.now() - last < 1000 && !isFinal(s.state)) return;
    last = Date.now();
    void a.report({ worker: o.name, snapshot: s }).catch(() => undefined);
  });
  const poll = setInterval(() => {
    void a
      .control()
      .then(async (c) => {
        // Not in this station's queue yet (still being added): the next poll acts on it.
        if (operator || !station.queue.get(id)) return;
        const action = c.cancel ? 'cancel' : c.pause ? 'pause' : undefined;
        if (!action) return;
        // Set first: the queue announces the paused title before pause() returns.
        operator = action;
        await station.queue[action](id).catch((err: unknown) => {
          operator = undefined;
          throw err;
        });
      })
      // Redis unreachable, or the title gone from this station's queue: said, never a crash.
      .catch((err: unknown) => o.log(`${a.job.data.title}: the operator's control failed: ${errorMessage(err)}`));
  }, o.controlPollMs ?? 1000);
  // Interrupt, undo nothing: the farm took the title away, the worker is stopping, or it stalled.
  const interrupt = (why: Interruption): void =>
    void station.queue
      .pause(id)
      .catch(() => undefined)
      .then(() => end(why));
  if (a.signal.aborted) interrupt('interrupted');
  else a.signal.addEventListener('abort', () => interrupt('interrupted'), { once: true });
  const stallMs = o.stallMs ?? ATTEMPT_STALL_MS;
  const watchdog = setInterval(
    () => {
      if (Date.now() - alive < stallMs) return;
      clearInterval(watchdog);
      interrupt({ stalled: stalledAttempt(station.queue.get(id), Date.now() - alive, o.name) });
    },
    Math.max(100, Math.min(5000, stallMs / 4)),
  );
  return {
    outcome,
    // The last word on the title, whatever the once-a-second throttle held back.
    lastReport: async () => {
      const rec = station.queue.get(id);
      if (pending) await a.report({ worker: o.name, snapshot: rec ? toSnapshot(rec) : pending }).catch(() => undefined);
    },
    stop: () => {
      clearInterval(poll);
      clearInterval(watchdog);
      off();
    },
  };
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
