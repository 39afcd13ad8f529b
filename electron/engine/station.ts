/**
 * The engine's front door: builds destinations, the stage pipeline and the persisted queue from a
 * StationConfig. Used by Electron main, the CLI and the test loopback bridge alike.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { retireGraceMs, type StationConfig } from '../common/config.js';
import type { Destination } from './destinations/index.js';
import type { S3Runtime } from './destinations/s3.js';
import { ThroughputMeter } from './transfer/throughput-meter.js';
import { errorMessage } from './util/errors.js';
import { loadSpec } from './probe/load-spec.js';
import { WatchFolder } from './watch-folder.js';
import type { DeliverySpec } from '../common/spec.js';
import type { StationInfo } from '../common/api.js';
import { toolVersion } from './ffmpeg/version.js';
import { detectEncoders } from './ffmpeg/encoders.js';
import type { EncoderChoice } from './plan/plan.js';
import { loadProfile } from './plan/profiles.js';
import type { LadderProfile } from '../common/profile.js';
import { fileURLToPath } from 'node:url';
import { hostname } from 'node:os';
import { KeyedMutex } from './util/keyed-mutex.js';
import { stationId } from './util/station-id.js';
import { childPath } from './util/owned-folder.js';
import { ChunkJournals } from './package/chunk-journal.js';
import { KeyStore } from './package/encryption.js';
import { StationDrm } from './drm/station-drm.js';
import { fileKeySeal, type KeySeal } from './drm/local-keys.js';
import { isFinal } from '../common/jobs.js';

/** resources/ of the repository (the CLI and tests); the app passes process.resourcesPath. */
export const DEFAULT_RESOURCES = fileURLToPath(new URL('../../resources', import.meta.url));
import { locateTools, type ToolPaths } from './ffmpeg/locate.js';
import { createStageRunners } from './pipeline.js';
import { resolveKeysDir, resolveWorkDir, specPathOf } from './settings/config-paths.js';
import { objectsPoolFor, openDestinations } from './destinations/destination-set.js';
import { auditJob, latestAudits, type JobAuditContext } from './audit/job-audit.js';
import { createLibraryService, type LibraryService } from './audit/library-service.js';
import { createRebuild } from './audit/rebuild.js';
import type { AuditAlert } from './audit/alerts.js';
import { JobQueue, type JobRecord, type QueueOptions } from './queue/job-queue.js';
import { JobStore } from './queue/job-store.js';
import { jobRecordSchema } from './queue/job-record.js';

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

  let tools: ToolPaths | undefined;
  const getTools = (): ToolPaths =>
    (tools ??= locateTools({
      ...(config.ffmpegPath ? { ffmpegPath: config.ffmpegPath } : {}),
      ...(config.ffprobePath ? { ffprobePath: config.ffprobePath } : {}),
      ...(opts.resourcesDir ? { resourcesDir: opts.resourcesDir } : {}),
    }));

  const specPath = specPathOf(config, opts.baseDir, opts.resourcesDir ?? DEFAULT_RESOURCES);
  let spec: Promise<DeliverySpec> | undefined;
  const runnerSpec = (): Promise<DeliverySpec> => (spec ??= loadSpec(specPath));
  let encoder: Promise<EncoderChoice> | undefined;
  const detectEncoder = (): Promise<EncoderChoice> =>
    (encoder ??= (
      config.encoder && config.encoder !== 'auto'
        ? Promise.resolve({ chosen: config.encoder, reason: `set in the config (encoder: ${config.encoder})` })
        : detectEncoders(getTools().ffmpeg, workDir)
    ).catch((err: unknown) => ({
      chosen: 'libx264',
      reason: `software encoder: hardware detection failed (${(err as Error).message})`,
    })));
  let profile: Promise<LadderProfile> | undefined;
  const journals = new ChunkJournals(opts.warn);
  const late: { queue?: JobQueue } = {};
  const objectsPool = objectsPoolFor(config);
  const keys = new KeyStore(resolveKeysDir(config, opts.baseDir));
  const drm = config.drm?.enabled
    ? new StationDrm({
        config: config.drm,
        keysDir: join(resolveKeysDir(config, opts.baseDir), 'drm'),
        seal: opts.drmSeal ?? fileKeySeal(join(resolveKeysDir(config, opts.baseDir), 'drm', 'station-seal.key')),
        baseDir: opts.baseDir,
        ...(opts.fence ? { farmWorker: true } : {}),
      })
    : undefined;
  const runners = createStageRunners({
    profile: () =>
      (profile ??= loadProfile(
        config.profile,
        join(opts.resourcesDir ?? DEFAULT_RESOURCES, 'ladder-profiles.json'),
        opts.baseDir,
      ).then((p) => (config.ladder ? { ...p, ladder: config.ladder } : p))),
    segmentFormat: config.segmentFormat,
    dash: config.dash,
    encoder: detectEncoder,
    spec: runnerSpec,
    tools: getTools,
    origin,
    ...(archive ? { archive } : {}),
    jobsDir: join(workDir, 'jobs'),
    jobDir: (id) => childPath(join(workDir, 'jobs'), id, 'the job id'),
    segmentSeconds: config.segmentSeconds,
    objectsPool,
    meter,
    claims: new KeyedMutex(),
    stationName: opts.stationName ?? hostname(),
    stationId: await stationId(workDir),
    // Another job of this station whose delivery the claim names may be taken over when it ended
    // without delivering (or its record is gone). Not on a farm worker: the farm retries a title
    // under the same job id, and another worker may be running a job this one does not know.
    ...(opts.fence
      ? {}
      : {
          adoptable: (id: string) => {
            const j = late.queue?.get(id);
            return !j || j.state === 'failed' || j.state === 'cancelled';
          },
        }),
    ...(opts.fence ? { fence: opts.fence } : {}),
    retireGraceMs: retireGraceMs(config),
    journals,
    keys,
    encryption: config.encryption,
    ...(drm ? { drm } : {}),
    deliver: opts.deliver ?? true,
  });
  if (opts.jobStoreFile) await mkdir(dirname(opts.jobStoreFile), { recursive: true });
  const queue = await JobQueue.open(
    new JobStore<JobRecord>(opts.jobStoreFile ?? join(workDir, 'jobs.jsonl'), {
      schema: jobRecordSchema,
      ...(opts.warn ? { onRepair: opts.warn } : {}),
      lock: {
        what: opts.jobStoreFile ? `job list of worker ${opts.stationName ?? hostname()}` : `work folder ${workDir}`,
      },
    }),
    runners,
    {
      ...(opts.eligible ? { eligible: opts.eligible } : {}),
      activeJobs: config.activeJobs,
      ...(opts.overlap === false ? { overlap: false } : {}),
      // Verify has no slot of its own: it proves chunks as its title's encode publishes them, so it is
      // paced by the transcode slot (a verify with a slot of its own could wait on an encode that waits on it).
      // The content analysis decodes like an encode: as many at once as encodes.
      stageLimits: { transcode: config.transcodeConcurrency, analyse: config.transcodeConcurrency },
    },
  );
  late.queue = queue;
  // A title that ended keeps its journal on disk (a retry reopens it) but not an open file.
  queue.onUpdate((j) => {
    if (isFinal(j.state)) {
      void journals.release(j.id);
      drm?.forget(j.id);
    }
  });

  const watchers = opts.watch
    ? config.watchFolders.map((w) =>
        new WatchFolder({
          path: isAbsolute(w.path) ? w.path : resolve(opts.baseDir, w.path),
          stableMs: w.stableSeconds * 1000,
          onArrived: (path, request) => queue.add([path], request ? { [path]: request } : {}),
          // The message only: error objects of the SDK carry requests and headers.
          onError: (err) => console.error(`watch folder ${w.path}: ${errorMessage(err)}`),
        }).start(),
      )
    : [];

  // The archive's tar gone, its master not: transcoded again through this queue, as a replacement.
  const rebuild = archive
    ? createRebuild({
        archive,
        dir: join(workDir, 'rebuild'),
        restore: config.restore,
        enqueue: async (path, request) => (await queue.add([path], { [path]: request }))[0]!.id,
      })
    : undefined;
  const auditContext: JobAuditContext = {
    origin,
    ...(archive ? { archive } : {}),
    ffprobePath: () => getTools().ffprobe,
    retireGraceMs: retireGraceMs(config),
    keys,
    pool: objectsPool,
    restore: config.restore,
    ...(rebuild ? { rebuild } : {}),
  };
  // Titles whose repair waits on an archive restore: checked again until the copy is readable.
  const pollRestores = async (): Promise<number> => {
    let finished = 0;
    for (const { id } of queue.list()) {
      const job = queue.get(id);
      if (job?.state !== 'done' || !latestAudits(job.audits ?? []).some((r) => r.restore)) continue;
      const records = await queue.mutate(id, (j) => auditJob(j, auditContext, { repair: true }));
      if (!records.some((r) => r.restore)) finished++;
    }
    return finished;
  };
  const library = createLibraryService({
    config,
    origin,
    ...(archive ? { archive } : {}),
    workDir,
    stationName: hostname(),
    pool: objectsPool,
    ...(rebuild ? { rebuild } : {}),
    ...(opts.onAlert ? { onAlert: opts.onAlert } : {}),
  });
  if (opts.scheduleAudits && opts.deliver !== false) library.schedule();
  const restoreTimer = setInterval(
    () => void pollRestores().catch((err: unknown) => console.error(`restore check: ${errorMessage(err)}`)),
    config.restore.pollMinutes * 60_000,
  );
  restoreTimer.unref();

  return {
    queue,
    meter,
    workDir,
    origin,
    ...(archive ? { archive } : {}),
    tools: getTools,
    async info() {
      const base: StationInfo = { origin: origin.describe(), ...(archive ? { archive: archive.describe() } : {}) };
      try {
        const t = getTools();
        const [fv, pv] = await Promise.all([toolVersion(t.ffmpeg), toolVersion(t.ffprobe)]);
        return {
          ...base,
          ffmpeg: { path: t.ffmpeg, version: fv },
          ffprobe: { path: t.ffprobe, version: pv },
          spec: (await runnerSpec()).name,
          ...(t.ffprobeWarning ? { warnings: [t.ffprobeWarning] } : {}),
        };
      } catch (err) {
        return { ...base, toolsError: (err as Error).message };
      }
    },
    auditContext,
    keys,
    ...(drm ? { drm } : {}),
    pollRestores,
    library,
    async close() {
      clearInterval(restoreTimer);
      await library.close();
      for (const w of watchers) w.stop();
      await queue.close();
      await journals.closeAll();
      destinations.close();
    },
  };
}
