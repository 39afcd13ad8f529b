/**
 * The engine's front door and its composition root: from a StationConfig it wires the destinations,
 * the lazily read inputs (station-inputs.ts), the stage pipeline, the persisted queue and what feeds
 * it (station-queue.ts), the audit context (audit/audit-context.ts) and the library audit. It builds
 * nothing itself. Used by Electron main, the CLI, the farm worker and the test loopback bridge alike.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { retireGraceMs, type StationConfig } from '../common/config.js';
import type { Destination } from './destinations/index.js';
import type { S3Runtime } from './destinations/s3.js';
import { ThroughputMeter } from './transfer/throughput-meter.js';
import type { StationInfo } from '../common/api.js';
import { KeyedMutex } from './util/keyed-mutex.js';
import { stationId } from './util/station-id.js';
import { childPath } from './util/owned-folder.js';
import { ChunkJournals } from './package/chunk-journal.js';
import { KeyStore } from './package/encryption.js';
import type { StationDrm } from './drm/station-drm.js';
import type { KeySeal } from './drm/local-keys.js';
import { isFinal } from '../common/jobs.js';
import type { ToolPaths } from './ffmpeg/locate.js';
import { createStageRunners, type PipelineContext } from './pipeline.js';
import { resolveKeysDir, resolveWorkDir } from './settings/config-paths.js';
import { objectsPoolFor, openDestinations } from './destinations/destination-set.js';
import type { JobAuditContext } from './audit/job-audit.js';
import { jobAuditContext, type AuditContextParts } from './audit/audit-context.js';
import { createLibraryService, type LibraryService } from './audit/library-service.js';
import { createRebuild } from './audit/rebuild.js';
import type { AuditAlert } from './audit/alerts.js';
import type { JobQueue, QueueOptions } from './queue/job-queue.js';
import { openStationDrm, stationInfo, stationInputs, type StationInputs } from './station-inputs.js';
import { openStationQueue, restoreChecks, startWatchFolders } from './station-queue.js';

export { DEFAULT_RESOURCES } from './station-inputs.js';

export interface StationOptions {
  config: StationConfig;
  /** Relative paths in the config resolve against this folder (the config file's folder or cwd). */
  baseDir: string;
  /** Folder holding bin/<platform>-<arch>/ffmpeg when bundled. */
  resourcesDir?: string;
  /** Overrides for the S3 transfer runtime (tests: short timeouts, fast retries). */
  s3Runtime?: Partial<S3Runtime>;
  /** Start the config's watch folders (the app does; the CLI's ingest does not). */
  watch?: boolean;
  /** Which queued jobs this process may start (see QueueOptions.eligible). */
  eligible?: QueueOptions['eligible'];
  /**
   * false: package only (`ingest-station transcode`): no claim, no upload, no audit; the
   * destinations are not contacted.
   */
  deliver?: boolean;
  /** Run each title's stages side by side (default) or one after another (QueueOptions.overlap). */
  overlap?: boolean;
  /** Run the library audit on its schedule (the app; the CLI audits once, on demand). */
  scheduleAudits?: boolean;
  /** Each problem a library audit raises (the app shows an OS notification). */
  onAlert?: (alert: AuditAlert) => void;
  /**
   * A farm worker: its own job list (the work folder, with every title's folder and the upload
   * journals, is shared by the farm's workers; each worker's list of what it ran is its own).
   */
  jobStoreFile?: string;
  /** A farm worker: throws when this attempt at the title is no longer the farm's current one (checked before each commit step). */
  fence?: (jobId: string) => Promise<void>;
  /** This station's name in claims and the farm (default: the host name). */
  stationName?: string;
  /** The throughput meter to count into (the app keeps one across restarts, so the day's graph survives a save of settings). */
  meter?: ThroughputMeter;
  /**
   * How local DRM keys are sealed at rest: the app passes safeStorage (drm/local-keys.ts
   * secretBoxSeal); default, the CLI's owner-only station key file in the keys folder.
   */
  drmSeal?: KeySeal;
  /** Things the operator should read that are not a title's (a journal's torn tail cut); default: stderr. */
  warn?: (sentence: string) => void;
}

export interface Station {
  queue: JobQueue;
  workDir: string;
  origin: Destination;
  archive?: Destination;
  tools(): ToolPaths;
  /** Tools (with versions), spec and destinations, for the UI and logs. */
  info(): Promise<StationInfo>;
  /** What on-demand audits of this station's titles need. */
  auditContext: JobAuditContext;
  /** Check the titles waiting on an archive restore; finish the repairs that can now read it. Returns how many finished. */
  pollRestores(): Promise<number>;
  /** Every title the origin holds, audited on a schedule or on demand. */
  library: LibraryService;
  /** Content keys of encrypted titles (also what the local QC player is handed). */
  keys: KeyStore;
  /** Studio DRM, when the config turns it on (the QC player asks it for a title's keys). */
  drm?: StationDrm;
  /** Acknowledged bytes over time (the throughput graphs). */
  meter: ThroughputMeter;
  close(): Promise<void>;
}

export async function openStation(opts: StationOptions): Promise<Station> {
  const { config } = opts;
  const workDir = resolveWorkDir(config, opts.baseDir);
  await mkdir(join(workDir, 'jobs'), { recursive: true });
  const meter = opts.meter ?? new ThroughputMeter();
  const destinations = openDestinations(config, opts.baseDir, { meter, ...opts.s3Runtime });
  const origin = destinations.get(config.origin);
  const archive = config.archive ? destinations.get(config.archive) : undefined;
  const inputs = stationInputs(config, {
    baseDir: opts.baseDir,
    workDir,
    ...(opts.resourcesDir ? { resourcesDir: opts.resourcesDir } : {}),
  });
  const journals = new ChunkJournals(opts.warn);
  const keys = new KeyStore(resolveKeysDir(config, opts.baseDir));
  const drm = openStationDrm(config, { baseDir: opts.baseDir, farmWorker: !!opts.fence, seal: opts.drmSeal });
  const late: { queue?: JobQueue } = {};
  const shared = {
    ...inputs,
    origin,
    ...(archive ? { archive } : {}),
    objectsPool: objectsPoolFor(config),
    retireGraceMs: retireGraceMs(config),
    keys,
    meter,
    journals,
    ...(drm ? { drm } : {}),
  };
  const runners = createStageRunners(await pipelineContext(opts, workDir, shared, (id) => late.queue?.get(id)));
  const stationName = opts.stationName ?? hostname();
  const queue = (late.queue = await openStationQueue(config, runners, {
    workDir,
    stationName,
    ...(opts.jobStoreFile ? { jobStoreFile: opts.jobStoreFile } : {}),
    ...(opts.eligible ? { eligible: opts.eligible } : {}),
    ...(opts.overlap !== undefined ? { overlap: opts.overlap } : {}),
    ...(opts.warn ? { warn: opts.warn } : {}),
  }));
  // A title that ended keeps its journal on disk (a retry reopens it) but not an open file.
  queue.onUpdate((j) => {
    if (isFinal(j.state)) {
      void journals.release(j.id);
      drm?.forget(j.id);
    }
  });
  const watchers = opts.watch ? startWatchFolders(config, opts.baseDir, queue) : [];

  const { auditContext, restores, library } = stationAudits(opts, workDir, queue, shared);
  if (opts.scheduleAudits && opts.deliver !== false) library.schedule();

  return {
    queue,
    meter,
    workDir,
    origin,
    ...(archive ? { archive } : {}),
    tools: inputs.tools,
    info: () => stationInfo(inputs, origin, archive),
    auditContext,
    keys,
    ...(drm ? { drm } : {}),
    pollRestores: restores.poll,
    library,
    async close() {
      restores.stop();
      await library.close();
      for (const w of watchers) w.stop();
      await queue.close();
      await journals.closeAll();
      destinations.close();
    },
  };
}

/**
 * The audits of delivered titles: the way back through the archive (a title whose tar is gone is
 * transcoded again through this queue, as a replacement), the audit context on-demand audits use,
 * the titles waiting on a restore checked again, and the library audit.
 */
function stationAudits(
  opts: StationOptions,
  workDir: string,
  queue: JobQueue,
  shared: AuditContextParts,
): { auditContext: JobAuditContext; restores: ReturnType<typeof restoreChecks>; library: LibraryService } {
  const { config } = opts;
  const { origin, archive } = shared;
  const rebuild = archive
    ? createRebuild({
        archive,
        dir: join(workDir, 'rebuild'),
        restore: config.restore,
        enqueue: async (path, request) => (await queue.add([path], { [path]: request }))[0]!.id,
      })
    : undefined;
  const auditContext = jobAuditContext(shared, { restore: config.restore, ...(rebuild ? { rebuild } : {}) });
  const library = createLibraryService({
    config,
    origin,
    ...(archive ? { archive } : {}),
    workDir,
    stationName: hostname(),
    pool: shared.objectsPool,
    ...(rebuild ? { rebuild } : {}),
    ...(opts.onAlert ? { onAlert: opts.onAlert } : {}),
  });
  return { auditContext, restores: restoreChecks(queue, auditContext, config.restore.pollMinutes), library };
}

/**
 * What the stage runners share: the station's inputs and pools, its identity in claims, and — off a
 * farm — which of its own jobs a claim may be taken over from.
 */
async function pipelineContext(
  opts: StationOptions,
  workDir: string,
  shared: StationInputs &
    Pick<
      PipelineContext,
      'origin' | 'archive' | 'objectsPool' | 'retireGraceMs' | 'keys' | 'meter' | 'journals' | 'drm'
    >,
  localJob: (id: string) => { state: string } | undefined,
): Promise<PipelineContext> {
  const { config } = opts;
  const stationName = opts.stationName ?? hostname();
  return {
    ...shared,
    segmentFormat: config.segmentFormat,
    dash: config.dash,
    jobsDir: join(workDir, 'jobs'),
    jobDir: (id) => childPath(join(workDir, 'jobs'), id, 'the job id'),
    segmentSeconds: config.segmentSeconds,
    claims: new KeyedMutex(),
    stationName,
    stationId: await stationId(workDir),
    // Another job of this station whose delivery the claim names may be taken over when it ended
    // without delivering (or its record is gone). Not on a farm worker: the farm retries a title
    // under the same job id, and another worker may be running a job this one does not know.
    ...(opts.fence
      ? { fence: opts.fence }
      : {
          adoptable: (id: string) => {
            const j = localJob(id);
            return !j || j.state === 'failed' || j.state === 'cancelled';
          },
        }),
    encryption: config.encryption,
    deliver: opts.deliver ?? true,
  };
}
