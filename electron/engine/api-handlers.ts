/**
 * The engine side of the UI contract: one implementation of every InvokeOp, used by Electron main
 * (behind ipcMain.handle) and by the browser-test loopback bridge (behind HTTP). Callers validate
 * arguments with parseInvokeArgs before calling; these functions trust their typed inputs.
 */
import type { InvokeOp, InvokeOps } from '../common/api.js';
import { StationError } from './util/errors.js';
import { expandSources } from './intake.js';
import { auditJob } from './audit/job-audit.js';
import type { Station } from './station.js';
import type { ConnectionTest, Credentials, SettingsUpdate, SettingsView } from '../common/settings.js';
import type { DestinationConfig } from '../common/config.js';

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
  settings: SettingsOps;
  /** The platform's file picker (Electron's dialog in main; a fixed list in browser tests). */
  pickFiles(): Promise<string[]>;
}

export function createHandlers(deps: HandlerDeps): Handlers {
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
    async stationInfo() {
      return deps.station().info();
    },
    async auditJob(jobId, options) {
      return deps.station().queue.mutate(jobId, async (job) => {
        if (job.state !== 'done') throw new StationError(`"${job.title}" is ${job.state}: only delivered titles can be audited`, 'not-delivered');
        return auditJob(job, deps.station().auditContext, options);
      });
    },
    getSettings: () => deps.settings.view(),
    saveSettings: (update) => deps.settings.save(update),
    testDestination: (name, destination, credentials) => deps.settings.test(name, destination, credentials),
  };
}
