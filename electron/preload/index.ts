/**
 * Sandboxed preload (bundled to CommonJS). Exposes exactly one function per operation of the
 * contract through contextBridge — never ipcRenderer itself — plus pathsForFiles for drops.
 * It imports only channel names and types from common (no engine, no node:*).
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import {
  API_GLOBAL,
  EVENT_CHANNELS,
  INVOKE_CHANNELS,
  MEDIA_SCHEME,
  mediaPath,
  type EngineState,
  type StationApi,
} from '../common/api.js';
import type { JobSnapshot } from '../common/jobs.js';

type DomFile = Parameters<typeof webUtils.getPathForFile>[0];

export const stationApi: StationApi = {
  addMasters: (paths, options) =>
    options
      ? ipcRenderer.invoke(INVOKE_CHANNELS.addMasters, paths, options)
      : ipcRenderer.invoke(INVOKE_CHANNELS.addMasters, paths),
  listJobs: () => ipcRenderer.invoke(INVOKE_CHANNELS.listJobs),
  cancelJob: (jobId) => ipcRenderer.invoke(INVOKE_CHANNELS.cancelJob, jobId),
  pickMasters: () => ipcRenderer.invoke(INVOKE_CHANNELS.pickMasters),
  auditJob: (jobId, options) => ipcRenderer.invoke(INVOKE_CHANNELS.auditJob, jobId, options),
  stationInfo: () => ipcRenderer.invoke(INVOKE_CHANNELS.stationInfo),
  pauseJob: (jobId) => ipcRenderer.invoke(INVOKE_CHANNELS.pauseJob, jobId),
  resumeJob: (jobId) => ipcRenderer.invoke(INVOKE_CHANNELS.resumeJob, jobId),
  retryJob: (jobId) => ipcRenderer.invoke(INVOKE_CHANNELS.retryJob, jobId),
  moveJob: (jobId, where) => ipcRenderer.invoke(INVOKE_CHANNELS.moveJob, jobId, where),
  setTitle: (jobId, request) => ipcRenderer.invoke(INVOKE_CHANNELS.setTitle, jobId, request),
  setOverrides: (jobId, overrides) => ipcRenderer.invoke(INVOKE_CHANNELS.setOverrides, jobId, overrides),
  pauseAll: () => ipcRenderer.invoke(INVOKE_CHANNELS.pauseAll),
  resumeAll: () => ipcRenderer.invoke(INVOKE_CHANNELS.resumeAll),
  batchJobs: (jobIds, action) => ipcRenderer.invoke(INVOKE_CHANNELS.batchJobs, jobIds, action),
  setTitlesFromSheet: (jobIds, sheet) => ipcRenderer.invoke(INVOKE_CHANNELS.setTitlesFromSheet, jobIds, sheet),
  runSample: () => ipcRenderer.invoke(INVOKE_CHANNELS.runSample),
  stationDay: () => ipcRenderer.invoke(INVOKE_CHANNELS.stationDay),
  getSettings: () => ipcRenderer.invoke(INVOKE_CHANNELS.getSettings),
  saveSettings: (update) => ipcRenderer.invoke(INVOKE_CHANNELS.saveSettings, update),
  testDestination: (name, destination, credentials) =>
    ipcRenderer.invoke(INVOKE_CHANNELS.testDestination, name, destination, credentials),
  libraryView: (query) => ipcRenderer.invoke(INVOKE_CHANNELS.libraryView, query),
  auditLibrary: (options) => ipcRenderer.invoke(INVOKE_CHANNELS.auditLibrary, options),
  chunkMap: (target) => ipcRenderer.invoke(INVOKE_CHANNELS.chunkMap, target),
  drmPlayerKeys: (jobId) => ipcRenderer.invoke(INVOKE_CHANNELS.drmPlayerKeys, jobId),
  throughput: (target) => ipcRenderer.invoke(INVOKE_CHANNELS.throughput, target),
  farmView: () => ipcRenderer.invoke(INVOKE_CHANNELS.farmView),
  farmControl: (id, action) => ipcRenderer.invoke(INVOKE_CHANNELS.farmControl, id, action),
  onJobUpdate(listener) {
    const handler = (_event: IpcRendererEvent, job: JobSnapshot): void => listener(job);
    ipcRenderer.on(EVENT_CHANNELS.jobUpdate, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNELS.jobUpdate, handler);
    };
  },
  onEngineState(listener) {
    const handler = (_event: IpcRendererEvent, state: EngineState): void => listener(state);
    ipcRenderer.on(EVENT_CHANNELS.engineState, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNELS.engineState, handler);
    };
  },
  mediaUrl: (jobId, where, path) => `${MEDIA_SCHEME}://title/${mediaPath(jobId, where, path)}`,
  pathsForFiles: (files) =>
    files.map((f) => webUtils.getPathForFile(f as unknown as DomFile)).filter((p) => p.length > 0),
};

contextBridge.exposeInMainWorld(API_GLOBAL, stationApi);
