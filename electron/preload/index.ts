/**
 * Sandboxed preload (bundled to CommonJS). Exposes exactly one function per operation of the
 * contract through contextBridge — never ipcRenderer itself — plus pathsForFiles for drops.
 * It imports only channel names and types from common (no engine, no node:*).
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { API_GLOBAL, EVENT_CHANNELS, INVOKE_CHANNELS, type StationApi } from '../common/api.js';
import type { JobSnapshot } from '../common/jobs.js';

type DomFile = Parameters<typeof webUtils.getPathForFile>[0];

export const stationApi: StationApi = {
  addMasters: (paths) => ipcRenderer.invoke(INVOKE_CHANNELS.addMasters, paths),
  listJobs: () => ipcRenderer.invoke(INVOKE_CHANNELS.listJobs),
  cancelJob: (jobId) => ipcRenderer.invoke(INVOKE_CHANNELS.cancelJob, jobId),
  pickMasters: () => ipcRenderer.invoke(INVOKE_CHANNELS.pickMasters),
  auditJob: (jobId, options) => ipcRenderer.invoke(INVOKE_CHANNELS.auditJob, jobId, options),
  stationInfo: () => ipcRenderer.invoke(INVOKE_CHANNELS.stationInfo),
  pauseJob: (jobId) => ipcRenderer.invoke(INVOKE_CHANNELS.pauseJob, jobId),
  resumeJob: (jobId) => ipcRenderer.invoke(INVOKE_CHANNELS.resumeJob, jobId),
  retryJob: (jobId) => ipcRenderer.invoke(INVOKE_CHANNELS.retryJob, jobId),
  moveJob: (jobId, where) => ipcRenderer.invoke(INVOKE_CHANNELS.moveJob, jobId, where),
  pauseAll: () => ipcRenderer.invoke(INVOKE_CHANNELS.pauseAll),
  resumeAll: () => ipcRenderer.invoke(INVOKE_CHANNELS.resumeAll),
  onJobUpdate(listener) {
    const handler = (_event: IpcRendererEvent, job: JobSnapshot): void => listener(job);
    ipcRenderer.on(EVENT_CHANNELS.jobUpdate, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNELS.jobUpdate, handler);
    };
  },
  pathsForFiles: (files) => files.map((f) => webUtils.getPathForFile(f as unknown as DomFile)).filter((p) => p.length > 0),
};

contextBridge.exposeInMainWorld(API_GLOBAL, stationApi);
