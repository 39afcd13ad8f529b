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
 * (its path map, its mounts) is set aside for another worker, with the reason recorded. Each
 * attempt is a WorkerAttempt (worker-attempt.ts); this module opens the station and the farm's
 * queue and counts the titles that ended here.
 */
import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { StationConfig } from '../../common/config.js';
import { openStation, type Station } from '../station.js';
import { resolveWorkDir } from '../settings/config-paths.js';
import { startFarmWorker, type FarmAttempt, type FarmConnection } from './farm-queue.js';
import type { PathRule } from './path-map.js';
import { StationError, errorMessage } from '../util/errors.js';
import { childPath } from '../util/owned-folder.js';
import { WorkerAttempt, type WorkerSide } from './worker-attempt.js';

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

export async function runFarmWorker(o: FarmWorkerConfig): Promise<RunningWorker> {
  const held = new Map<string, () => Promise<void>>();
  const workDir = resolveWorkDir(o.config, o.baseDir);
  const side: WorkerSide = {
    name: o.name,
    pathMap: o.pathMap,
    allowed: await allowedRoots(o),
    held,
    log: o.log,
    ...(o.controlPollMs !== undefined ? { controlPollMs: o.controlPollMs } : {}),
    ...(o.stallMs !== undefined ? { stallMs: o.stallMs } : {}),
    station: await openStation({
      config: o.config,
      baseDir: o.baseDir,
      eligible: (j) => held.has(j.id),
      jobStoreFile: join(childPath(join(workDir, 'workers'), o.name, 'the worker name'), 'jobs.jsonl'),
      fence: async (id) => held.get(id)?.(),
      stationName: o.name,
      warn: (s) => o.log(`warning: ${s}`),
      ...o.stationOverrides,
    }),
  };
  const { station } = side;
  let ended = 0;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let stopping: Promise<void> | undefined;

  const attempt = async (a: FarmAttempt): Promise<unknown> => {
    const run = new WorkerAttempt(a, side);
    try {
      return await run.run();
    } finally {
      if (run.ended) ended++;
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
