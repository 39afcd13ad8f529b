/**
 * The one contract between the renderer and the engine (GitHub Desktop's pattern: one typed map of
 * channels shared by main, preload and renderer). This file holds types and channel names only — no
 * runtime library — so the sandboxed preload bundle stays tiny. Argument schemas live in schemas.ts
 * and are checked by main (and by the test loopback bridge) before anything reaches the engine.
 */
import type { BatchAction, JobSnapshot, TitleRequest } from './jobs.js';
import type { ContentOverrides } from './analysis.js';
import type { AuditRecord } from './manifest.js';
import type { ChunkMap, LibraryQuery, LibraryView } from './library.js';
import type { ThroughputSeries } from './throughput.js';
import type { FarmAction, FarmView } from './farm.js';
import type { DestinationConfig } from './config.js';
import type { ConnectionTest, Credentials, SettingsUpdate, SettingsView } from './settings.js';

/** Request/response operations: one preload function each. */
export interface InvokeOps {
  /** Queue source masters (absolute paths of files or folders); held ones wait, paused, for their title IDs. */
  addMasters: { args: [paths: string[], options?: AddOptions]; result: JobSnapshot[] };
  /** Every job the queue knows, newest first. */
  listJobs: { args: []; result: JobSnapshot[] };
  /** Cancel a job: stops its process, removes partial output, aborts its uploads. */
  cancelJob: { args: [jobId: string]; result: void };
  /** Open the native file picker and return the chosen paths (empty when dismissed). */
  pickMasters: { args: []; result: string[] };
  /** Pause a waiting or running title (a running stage restarts on resume; uploads resume). */
  pauseJob: { args: [jobId: string]; result: void };
  resumeJob: { args: [jobId: string]; result: void };
  /** Run a failed title again from the stage that failed. */
  retryJob: { args: [jobId: string]; result: void };
  /** Set a title's ID (the platform's own; null: derived from the file name) and replace, before it is claimed. */
  setTitle: { args: [jobId: string, request: TitleRequest]; result: JobSnapshot };
  /**
   * Override the content decisions of a title (inverse telecine, crop, loudness) before it is
   * encoded; the plan is made again from the stored analysis (nothing is measured again).
   */
  setOverrides: { args: [jobId: string, overrides: ContentOverrides]; result: JobSnapshot };
  /** Reorder a waiting title. */
  moveJob: { args: [jobId: string, where: 'up' | 'down' | 'top']; result: void };
  pauseAll: { args: []; result: void };
  resumeAll: { args: []; result: void };
  /** One action on many titles (the queue's selection): each title that cannot take it is named with the reason. */
  batchJobs: { args: [jobIds: string[], action: BatchAction]; result: BatchResult };
  /** Title IDs for the given titles from a sheet's text (`file,title_id[,replace]`, as `--titles`), matched by file name. */
  setTitlesFromSheet: { args: [jobIds: string[], sheet: string]; result: SheetResult };
  /** Generate a short test master with ffmpeg and queue it: the first run's proof that every stage works. */
  runSample: { args: []; result: JobSnapshot };
  /** Acknowledged bytes per destination over the last 24 hours, a minute a bucket (the dashboard). */
  stationDay: { args: []; result: StationDay };
  /** What the station runs with: ffmpeg/ffprobe (path and version), the delivery spec, destinations. */
  stationInfo: { args: []; result: StationInfo };
  /** Audit a finished title at its destinations; with repair, fix what is wrong and audit again. */
  auditJob: { args: [jobId: string, options: AuditRequest]; result: AuditRecord[] };
  /** One page of the titles the origin holds as the library audits found them (filtered and sorted by the engine), the last run, a run in progress. */
  libraryView: { args: [query: LibraryQuery]; result: LibraryView };
  /** Start a library audit now (it runs in the background; libraryView shows its progress). */
  auditLibrary: { args: [options: { repair: boolean }]; result: void };
  /** A title's chunk map: a queued title (by job) or a library title (by title ID). */
  chunkMap: { args: [target: { jobId: string } | { titleId: string }]; result: ChunkMap };
  /**
   * A DRM title's keys for the QC player's ClearKey (key ID hex → key hex): handed to this window
   * only, held in memory, never written to disk nor sent anywhere else.
   */
  drmPlayerKeys: { args: [jobId: string]; result: Record<string, string> };
  /** Acknowledged bytes per second over the last minutes: the station's (with requests in flight) and, given a job, its title's. */
  throughput: { args: [target: { jobId?: string }]; result: ThroughputView };
  /** The farm's titles (every worker's), its Redis problems; no farm in Settings: an empty view that says so. */
  farmView: { args: []; result: FarmView };
  /** Pause, resume, cancel, retry or move to the top one title of the farm. */
  farmControl: { args: [id: string, action: FarmAction]; result: void };
  /** The settings without any credential (stored ones are only hinted at). */
  getSettings: { args: []; result: SettingsView };
  /** Validate, encrypt new credentials, write, and restart the engine (running titles resume). */
  saveSettings: { args: [update: SettingsUpdate]; result: SettingsView };
  /** List, write, read back and delete a test object at a destination (typed or stored credentials). */
  testDestination: {
    args: [name: string, destination: DestinationConfig, credentials: Credentials | null];
    result: ConnectionTest;
  };
}

export interface BatchResult {
  /** Titles that took the action. */
  done: number;
  /** Titles that could not (a running title cannot be resumed…), each with the engine's sentence. */
  refused: Array<{ jobId: string; title: string; reason: string }>;
}

export interface SheetResult {
  /** Titles whose request the sheet set. */
  set: Array<{ jobId: string; title: string; titleId?: string; replace?: boolean }>;
  /** Titles the sheet names no row for. */
  unmatched: Array<{ jobId: string; title: string }>;
  /** Rows that name none of the titles (a typo in a file name must not pass silently). */
  unusedRows: string[];
  /** Titles whose ID can no longer change (claimed, running), with the reason. */
  refused: Array<{ jobId: string; title: string; reason: string }>;
}

export interface StationDay {
  /** Per destination name: acknowledged bytes a minute (60 s buckets), the last 24 hours. */
  destinations: Record<string, ThroughputSeries>;
}

export interface ThroughputView {
  station: ThroughputSeries;
  title?: ThroughputSeries;
}

export interface AddOptions {
  /** Add the titles paused, so the operator can set their title IDs before anything is claimed. */
  hold?: boolean;
}

/** Which copy of a title the QC player plays. */
export type MediaSource = 'local' | 'origin';

/** The engine connection as the renderer sees it: it restarts when settings are saved (or after a crash). */
export interface EngineState {
  connected: boolean;
  /** Why it is down, while it is. */
  reason?: string;
}

export interface ToolInfo {
  path: string;
  version: string;
}

export interface StationInfo {
  ffmpeg?: ToolInfo;
  ffprobe?: ToolInfo;
  /** Why the tools could not be found, when they could not. */
  toolsError?: string;
  spec?: string;
  origin: string;
  archive?: string;
  /** Things the operator should fix about the station itself (the bundled 2018 ffprobe in use, say). */
  warnings?: string[];
}

export interface AuditRequest {
  repair: boolean;
  /** Download and hash every object too. */
  deep: boolean;
}
export type InvokeOp = keyof InvokeOps;

export const INVOKE_CHANNELS = {
  addMasters: 'jobs:add',
  listJobs: 'jobs:list',
  cancelJob: 'jobs:cancel',
  pickMasters: 'dialog:pick-masters',
  auditJob: 'jobs:audit',
  stationInfo: 'station:info',
  pauseJob: 'jobs:pause',
  resumeJob: 'jobs:resume',
  retryJob: 'jobs:retry',
  moveJob: 'jobs:move',
  setTitle: 'jobs:set-title',
  setOverrides: 'jobs:set-overrides',
  pauseAll: 'queue:pause-all',
  resumeAll: 'queue:resume-all',
  batchJobs: 'queue:batch',
  setTitlesFromSheet: 'queue:title-sheet',
  runSample: 'setup:run-sample',
  stationDay: 'transfer:day',
  getSettings: 'settings:get',
  saveSettings: 'settings:save',
  testDestination: 'settings:test-destination',
  libraryView: 'library:view',
  auditLibrary: 'library:audit',
  chunkMap: 'library:chunk-map',
  drmPlayerKeys: 'jobs:drm-player-keys',
  throughput: 'transfer:throughput',
  farmView: 'farm:view',
  farmControl: 'farm:control',
} as const satisfies Record<InvokeOp, string>;

/** One-way events engine → main → renderer (coalesced per job, see coalesce.ts). */
export interface EventPayloads {
  jobUpdate: JobSnapshot;
  engineState: EngineState;
}
export type EventName = keyof EventPayloads;

export const EVENT_CHANNELS = {
  jobUpdate: 'jobs:update',
  engineState: 'engine:state',
} as const satisfies Record<EventName, string>;

/** A dropped file as the renderer sees it (a DOM File satisfies this). */
export interface DroppedFile {
  readonly name: string;
}

type InvokeFunctions = {
  [K in InvokeOp]: (...args: InvokeOps[K]['args']) => Promise<InvokeOps[K]['result']>;
};

/** What window.station offers the renderer: exactly one function per operation. */
export interface StationApi extends InvokeFunctions {
  /** Subscribe to job updates; returns the unsubscribe function. */
  onJobUpdate(listener: (job: JobSnapshot) => void): () => void;
  /** Engine (re)connections: after one, the renderer lists the jobs again. */
  onEngineState(listener: (state: EngineState) => void): () => void;
  /** Absolute paths of dropped files (Electron's webUtils.getPathForFile in the preload). */
  pathsForFiles(files: readonly DroppedFile[]): string[];
  /** URL of a package file for the QC player (the app's media protocol; never file://). */
  mediaUrl(jobId: string, where: MediaSource, path: string): string;
}

/** The privileged scheme main registers for the QC player: station-media://title/<jobId>/<where>/<path>. */
export const MEDIA_SCHEME = 'station-media';

export function mediaPath(jobId: string, where: MediaSource, path: string): string {
  return `${encodeURIComponent(jobId)}/${where}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** The global the preload installs with contextBridge.exposeInMainWorld. */
export const API_GLOBAL = 'station';
