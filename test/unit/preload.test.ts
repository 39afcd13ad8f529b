/**
 * The preload with `electron` mocked: it must expose exactly one function per operation through
 * contextBridge, never ipcRenderer itself, and route each call to its channel.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { API_GLOBAL, EVENT_CHANNELS, INVOKE_CHANNELS, type StationApi } from '../../electron/common/api';

const exposed = new Map<string, unknown>();
const ipcRenderer = {
  invoke: vi.fn(async (..._args: unknown[]) => 'ok'),
  on: vi.fn(),
  removeListener: vi.fn(),
};
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
  ipcRenderer,
  webUtils: { getPathForFile: (f: { name: string }) => (f.name === 'no-path' ? '' : `/drops/${f.name}`) },
}));

let api: StationApi;
beforeAll(async () => {
  await import('../../electron/preload/index');
  api = exposed.get(API_GLOBAL) as StationApi;
});

describe('preload bridge', () => {
  it('exposes one object with exactly the contract operations, all functions', () => {
    expect([...exposed.keys()]).toEqual([API_GLOBAL]);
    expect(Object.keys(api).sort()).toEqual(
      [...Object.keys(INVOKE_CHANNELS), 'onJobUpdate', 'onEngineState', 'pathsForFiles', 'mediaUrl'].sort(),
    );
    for (const v of Object.values(api)) expect(typeof v).toBe('function');
    expect(Object.values(api)).not.toContain(ipcRenderer.invoke);
  });

  it('routes each operation to its channel with its arguments only', async () => {
    await api.addMasters(['/a.mov']);
    expect(ipcRenderer.invoke).toHaveBeenLastCalledWith(INVOKE_CHANNELS.addMasters, ['/a.mov']);
    await api.cancelJob('j1');
    expect(ipcRenderer.invoke).toHaveBeenLastCalledWith(INVOKE_CHANNELS.cancelJob, 'j1');
    await api.listJobs();
    expect(ipcRenderer.invoke).toHaveBeenLastCalledWith(INVOKE_CHANNELS.listJobs);
    await api.pickMasters();
    expect(ipcRenderer.invoke).toHaveBeenLastCalledWith(INVOKE_CHANNELS.pickMasters);
    await api.moveJob('j3', 'top');
    expect(ipcRenderer.invoke).toHaveBeenLastCalledWith(INVOKE_CHANNELS.moveJob, 'j3', 'top');
    await api.stationInfo();
    expect(ipcRenderer.invoke).toHaveBeenLastCalledWith(INVOKE_CHANNELS.stationInfo);
    await api.auditJob('j2', { repair: false, deep: true });
    expect(ipcRenderer.invoke).toHaveBeenLastCalledWith(INVOKE_CHANNELS.auditJob, 'j2', { repair: false, deep: true });
    await api.batchJobs(['j1', 'j2'], 'retry');
    expect(ipcRenderer.invoke).toHaveBeenLastCalledWith(INVOKE_CHANNELS.batchJobs, ['j1', 'j2'], 'retry');
    await api.setTitlesFromSheet(['j1'], 'file,title_id\na.mov,tt1\n');
    expect(ipcRenderer.invoke).toHaveBeenLastCalledWith(
      INVOKE_CHANNELS.setTitlesFromSheet,
      ['j1'],
      'file,title_id\na.mov,tt1\n',
    );
    await api.libraryView({ filter: 'problems', offset: 200, limit: 200 });
    expect(ipcRenderer.invoke).toHaveBeenLastCalledWith(INVOKE_CHANNELS.libraryView, {
      filter: 'problems',
      offset: 200,
      limit: 200,
    });
    await api.runSample();
    expect(ipcRenderer.invoke).toHaveBeenLastCalledWith(INVOKE_CHANNELS.runSample);
    await api.stationDay();
    expect(ipcRenderer.invoke).toHaveBeenLastCalledWith(INVOKE_CHANNELS.stationDay);
    await api.testDestination('origin', { type: 'folder', path: '/out' }, null);
    expect(ipcRenderer.invoke).toHaveBeenLastCalledWith(
      INVOKE_CHANNELS.testDestination,
      'origin',
      { type: 'folder', path: '/out' },
      null,
    );
  });

  it('QC media goes through the station-media: protocol, never file://', () => {
    expect(api.mediaUrl('j1', 'origin', '360p/seg 1.m4s')).toBe('station-media://title/j1/origin/360p/seg%201.m4s');
  });

  it('engine restarts reach the renderer as plain state', () => {
    const listener = vi.fn();
    const off = api.onEngineState(listener);
    const [channel, handler] = ipcRenderer.on.mock.calls.at(-1) as [string, (e: unknown, s: unknown) => void];
    expect(channel).toBe(EVENT_CHANNELS.engineState);
    handler({ sender: 'secret' }, { connected: false, reason: 'applying new settings' });
    expect(listener).toHaveBeenCalledWith({ connected: false, reason: 'applying new settings' });
    off();
    expect(ipcRenderer.removeListener).toHaveBeenCalledWith(EVENT_CHANNELS.engineState, handler);
  });

  it('delivers job updates without exposing the IPC event, and unsubscribes', () => {
    const listener = vi.fn();
    const off = api.onJobUpdate(listener);
    const [channel, handler] = ipcRenderer.on.mock.calls.at(-1) as [string, (e: unknown, j: unknown) => void];
    expect(channel).toBe(EVENT_CHANNELS.jobUpdate);
    handler({ sender: 'secret' }, { id: 'j1' });
    expect(listener).toHaveBeenCalledWith({ id: 'j1' });
    off();
    expect(ipcRenderer.removeListener).toHaveBeenCalledWith(EVENT_CHANNELS.jobUpdate, handler);
  });

  it('turns dropped files into paths through webUtils, dropping files without one', () => {
    expect(api.pathsForFiles([{ name: 'a.mov' }, { name: 'no-path' }])).toEqual(['/drops/a.mov']);
  });
});
