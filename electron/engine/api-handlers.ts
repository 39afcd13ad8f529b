/**
 * The engine side of the UI contract: one implementation of every InvokeOp, used by Electron main
 * (behind ipcMain.handle) and by the browser-test loopback bridge (behind HTTP). Callers validate
 * arguments with parseInvokeArgs before calling; these functions trust their typed inputs.
 */
import type { InvokeOp, InvokeOps } from '../common/api.js';
import { StationError, errorMessage } from './util/errors.js';
import { expandSources } from './intake.js';
import { auditJob, manifestFor } from './audit/job-audit.js';
import { chunkMapOf } from './audit/chunk-map.js';
import { playerKeys } from './drm/job-hooks.js';
import { MANIFEST_FILE, manifestSchema } from '../common/manifest.js';
import { versionKey } from '../common/title.js';
import type { Station } from './station.js';
import type { FarmQueue } from './farm/farm-queue.js';
import type { ConnectionTest, Credentials, SettingsUpdate, SettingsView } from '../common/settings.js';
import type { DestinationConfig } from '../common/config.js';
import { applyTitleSheet, runBatch } from './batch-actions.js';
import { makeSampleMaster } from './setup/sample-master.js';

export type Handlers = { [K in InvokeOp]: (...args: InvokeOps[K]['args']) => Promise<InvokeOps[K]['result']> };

/** The settings operations (the app's settings store; absent where there is none). */
export interface SettingsOps {
  view(): Promise<SettingsView>;
  save(update: SettingsUpdate): Promise<SettingsView>;
  test(name: string, destination: DestinationConfig, credentials: Credentials | null): Promise<ConnectionTest>;
}

export interface HandlerDeps {
  /** The running station (a function: saving settings replaces it). */
  station(): Station;
  /** The farm in Settings (the app engine's: opened on first use, replaced with the settings). */
  farm(): Promise<FarmQueue>;
  settings: SettingsOps;
  /** The platform's file picker (Electron's dialog in main; a fixed list in browser tests). */
  pickFiles(): Promise<string[]>;
  /** What the operator must know that is not a title's (a damaged credentials file kept aside): shown with the tools' warnings. */
  notices?(): string[];
}

export function createHandlers(deps: HandlerDeps): Handlers {
  return {
    ...queueHandlers(deps),
    ...auditHandlers(deps),
    ...farmHandlers(deps),
    getSettings: () => deps.settings.view(),
    saveSettings: (update) => deps.settings.save(update),
    testDestination: (name, destination, credentials) => deps.settings.test(name, destination, credentials),
  };
}

type HandlerGroup<K extends InvokeOp> = Pick<Handlers, K>;

/** The titles in the queue: adding masters, the operator's actions, what the station shows about itself. */
function queueHandlers(
  deps: HandlerDeps,
): HandlerGroup<
  | 'addMasters'
  | 'setTitle'
  | 'setOverrides'
  | 'listJobs'
  | 'cancelJob'
  | 'pickMasters'
  | 'pauseJob'
  | 'resumeJob'
  | 'retryJob'
  | 'moveJob'
  | 'pauseAll'
  | 'resumeAll'
  | 'batchJobs'
  | 'setTitlesFromSheet'
  | 'runSample'
  | 'stationDay'
  | 'stationInfo'
  | 'drmPlayerKeys'
  | 'throughput'
> {
  return {
    async addMasters(paths, options) {
      const intake = await expandSources(paths);
      if (intake.files.length === 0) {
        const why = intake.skipped.map((s) => `${s.path}: ${s.reason}`).join('; ');
        throw new StationError(`Nothing to ingest${why ? ` (${why})` : ''}`, 'nothing-to-ingest');
      }
      return deps.station().queue.add(intake.files, intake.requests, options?.hold ? { hold: true } : {});
    },
    setTitle: (jobId, request) => deps.station().queue.setTitle(jobId, request),
    setOverrides: (jobId, overrides) => deps.station().queue.setOverrides(jobId, overrides),
    async listJobs() {
      return deps.station().queue.list();
    },
    async cancelJob(jobId) {
      await deps.station().queue.cancel(jobId);
    },
    async pickMasters() {
      return deps.pickFiles();
    },
    pauseJob: (jobId) => deps.station().queue.pause(jobId),
    resumeJob: (jobId) => deps.station().queue.resume(jobId),
    retryJob: (jobId) => deps.station().queue.retry(jobId),
    moveJob: (jobId, where) => deps.station().queue.move(jobId, where),
    pauseAll: () => deps.station().queue.pauseAll(),
    resumeAll: () => deps.station().queue.resumeAll(),
    batchJobs: (jobIds, action) => runBatch(deps.station().queue, jobIds, action),
    setTitlesFromSheet: (jobIds, sheet) => applyTitleSheet(deps.station().queue, jobIds, sheet),
    async runSample() {
      const station = deps.station();
      const master = await makeSampleMaster({ ffmpegPath: station.tools().ffmpeg, workDir: station.workDir });
      const [job] = await station.queue.add([master]);
      return job!;
    },
    async stationDay() {
      return { destinations: deps.station().meter.daySeries() };
    },
    async stationInfo() {
      const info = await deps.station().info();
      const notices = deps.notices?.() ?? [];
      return notices.length ? { ...info, warnings: [...(info.warnings ?? []), ...notices] } : info;
    },
    drmPlayerKeys: (jobId) => playerKeys(deps.station(), jobId),
    async throughput(target) {
      const meter = deps.station().meter;
      const title = target.jobId ? meter.titleSeries(target.jobId) : undefined;
      return { station: meter.stationSeries(), ...(title ? { title } : {}) };
    },
  };
}

/** Proof of delivery: a title's audit, the library audit, the chunk map of a title or a library entry. */
function auditHandlers(deps: HandlerDeps): HandlerGroup<'auditJob' | 'libraryView' | 'auditLibrary' | 'chunkMap'> {
  return {
    async auditJob(jobId, options) {
      return deps.station().queue.mutate(jobId, async (job) => {
        if (job.state !== 'done')
          throw new StationError(
            `"${job.title}" is ${job.state}: only delivered titles can be audited`,
            'not-delivered',
          );
        return auditJob(job, deps.station().auditContext, options);
      });
    },
    libraryView: (query) => deps.station().library.view(query),
    async auditLibrary(options) {
      const station = deps.station();
      const view = await station.library.view();
      if (view.running)
        throw new StationError(
          `A library audit is already running (${view.running.done} of ${view.running.total} titles)`,
          'library-audit-running',
        );
      // In the background: the view shows its progress, alerts say what it found.
      void station.library
        .run({ repair: options.repair })
        .catch((err: unknown) => console.error(`library audit: ${(err as Error).message}`));
    },
    async chunkMap(target) {
      const station = deps.station();
      return 'jobId' in target ? jobChunkMap(station, target.jobId) : libraryChunkMap(station, target.titleId);
    },
  };
}

type ChunkMap = InvokeOps['chunkMap']['result'];

/** A queued title's chunk map: its manifest (local, else the origin's copy) and its last audit at the origin. */
async function jobChunkMap(station: Station, jobId: string): Promise<ChunkMap> {
  const job = station.queue.get(jobId);
  if (!job) throw new StationError(`No title with job ${jobId}`, 'no-job');
  if (!job.claim || !job.verified)
    throw new StationError(
      `"${job.title}" has no package yet: the chunk map appears once it is verified`,
      'not-verified',
    );
  const { manifest } = await manifestFor(job, station.auditContext, job.claim.titleId, job.claim.version);
  const last = (job.audits ?? []).filter((r) => r.destination === station.origin.name).at(-1);
  return chunkMapOf(manifest, {
    titleId: job.claim.titleId,
    version: job.claim.version,
    delivered: job.state === 'done',
    ...(last ? { audit: { at: last.at, problems: last.problems, repaired: last.repaired?.uploaded ?? [] } } : {}),
  });
}

/** A library title's chunk map: the live version's manifest at the origin and the library audit's findings. */
async function libraryChunkMap(station: Station, titleId: string): Promise<ChunkMap> {
  const entry = await station.library.title(titleId);
  if (!entry?.version)
    throw new StationError(
      `"${titleId}" is not in the library audit's results (or has no live version): run a library audit`,
      'not-in-library',
    );
  const got = await station.origin.getObject(versionKey(entry.titleId, entry.version, MANIFEST_FILE));
  if (!got)
    throw new StationError(
      `The manifest of "${entry.titleId}" (${entry.version}) is gone from the origin`,
      'no-manifest',
    );
  const manifest = manifestSchema.parse(JSON.parse(got.body.toString('utf8')));
  return chunkMapOf(manifest, {
    titleId: entry.titleId,
    version: entry.version,
    delivered: true,
    audit: { at: entry.lastAudit, problems: entry.problems, repaired: entry.repairedKeys ?? [] },
  });
}

/** The farm in Settings: its titles and problems, and the operator's pause/resume/cancel/retry/top. */
function farmHandlers(deps: HandlerDeps): HandlerGroup<'farmView' | 'farmControl'> {
  return {
    async farmView() {
      let farm;
      try {
        farm = await deps.farm();
      } catch (err) {
        // No farm set, or not reachable: the view says which (the operator fixes Settings or the network).
        return (err as StationError).code === 'no-farm'
          ? { titles: [], problems: [] }
          : { titles: [], problems: [], error: `The farm could not be reached: ${errorMessage(err)}` };
      }
      const [{ titles, unreadable }, check] = await Promise.all([farm.listAll(), farm.check()]);
      const damaged = unreadable.map((u) => `Job ${u.id} in the farm cannot be read: ${u.problem}`);
      return { url: farm.describe(), titles, problems: [...check.problems, ...damaged] };
    },
    async farmControl(id, action) {
      await (await deps.farm()).control(id, action);
    },
  };
}
