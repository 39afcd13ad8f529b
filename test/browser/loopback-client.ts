/**
 * Test-only StationApi over HTTP (calls) and Server-Sent Events (job updates), installed as
 * window.station before the renderer starts. Only the browser-test build includes this file; the
 * production renderer gets the same API from the Electron preload and cannot tell the difference.
 */
import {
  API_GLOBAL,
  INVOKE_CHANNELS,
  mediaPath,
  type EngineState,
  type InvokeOp,
  type InvokeOps,
  type StationApi,
} from '../../electron/common/api';
import type { JobSnapshot } from '../../electron/common/jobs';

async function call<K extends InvokeOp>(op: K, ...args: InvokeOps[K]['args']): Promise<InvokeOps[K]['result']> {
  const res = await fetch(`/api/${INVOKE_CHANNELS[op]}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(args),
  });
  const body = (await res.json()) as { result?: InvokeOps[K]['result']; error?: string };
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body.result as InvokeOps[K]['result'];
}

export async function installLoopbackStation(): Promise<void> {
  // Where the test put its masters: a drop of "x.mp4" means <dropRoot>/x.mp4 (webUtils stand-in).
  const { dropRoot } = (await (await fetch('/loopback/config')).json()) as { dropRoot: string };
  const listeners = new Set<(job: JobSnapshot) => void>();
  const stateListeners = new Set<(state: EngineState) => void>();
  const announce = (state: EngineState): void => {
    for (const l of stateListeners) l(state);
  };
  // EventSource reconnects by itself when the engine process comes back: a dropped stream is the
  // engine going down, a reopened one is it coming back (the renderer then lists jobs again).
  const events = new EventSource('/events');
  let connected = true;
  events.addEventListener('open', () => {
    if (!connected) announce({ connected: (connected = true) });
  });
  events.addEventListener('error', () => {
    if (connected) announce({ connected: (connected = false), reason: 'the engine stopped answering; reconnecting' });
  });
  events.addEventListener('jobUpdate', (e) => {
    const job = JSON.parse((e as MessageEvent<string>).data) as JobSnapshot;
    for (const l of listeners) l(job);
  });
  events.addEventListener('engineState', (e) => announce(JSON.parse((e as MessageEvent<string>).data) as EngineState));
  const api: StationApi = {
    addMasters: (paths, options) => (options ? call('addMasters', paths, options) : call('addMasters', paths)),
    listJobs: () => call('listJobs'),
    cancelJob: (jobId) => call('cancelJob', jobId),
    pickMasters: () => call('pickMasters'),
    auditJob: (jobId, options) => call('auditJob', jobId, options),
    stationInfo: () => call('stationInfo'),
    pauseJob: (jobId) => call('pauseJob', jobId),
    resumeJob: (jobId) => call('resumeJob', jobId),
    retryJob: (jobId) => call('retryJob', jobId),
    moveJob: (jobId, where) => call('moveJob', jobId, where),
    setTitle: (jobId, request) => call('setTitle', jobId, request),
    setOverrides: (jobId, overrides) => call('setOverrides', jobId, overrides),
    pauseAll: () => call('pauseAll'),
    resumeAll: () => call('resumeAll'),
    batchJobs: (jobIds, action) => call('batchJobs', jobIds, action),
    setTitlesFromSheet: (jobIds, sheet) => call('setTitlesFromSheet', jobIds, sheet),
    runSample: () => call('runSample'),
    stationDay: () => call('stationDay'),
    getSettings: () => call('getSettings'),
    saveSettings: (update) => call('saveSettings', update),
    testDestination: (name, destination, credentials) => call('testDestination', name, destination, credentials),
    libraryView: (query) => call('libraryView', query),
    auditLibrary: (options) => call('auditLibrary', options),
    chunkMap: (target) => call('chunkMap', target),
    drmPlayerKeys: (jobId) => call('drmPlayerKeys', jobId),
    throughput: (target) => call('throughput', target),
    farmView: () => call('farmView'),
    farmControl: (id, action) => call('farmControl', id, action),
    onEngineState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    mediaUrl: (jobId, where, path) => `/media/${mediaPath(jobId, where, path)}`,
    onJobUpdate(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    pathsForFiles: (files) => files.map((f) => `${dropRoot}/${f.name}`),
  };
  (globalThis as unknown as Record<string, StationApi>)[API_GLOBAL] = api;
}
