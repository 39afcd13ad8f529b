/**
 * Electron main's IPC and window hardening with `electron` mocked (its binary cannot run here).
 * Real ipc.ts/window.ts code runs; only the Electron objects are stand-ins that record calls.
 */
import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => ({
  BrowserWindow: vi.fn(),
  shell: { openExternal: vi.fn(async () => undefined) },
}));

import { INVOKE_CHANNELS } from '../../electron/common/api';
import type { Handlers } from '../../electron/engine/api-handlers';
import { isTrustedUrl, registerIpc } from '../../electron/main/ipc';

const APP_URL = 'app://station/index.html';
type Handler = (event: unknown, ...args: unknown[]) => Promise<unknown>;

function setup() {
  const registered = new Map<string, Handler>();
  const ipcMain = { handle: vi.fn((ch: string, fn: Handler) => void registered.set(ch, fn)) };
  const handlers: Handlers = {
    addMasters: vi.fn(async () => []),
    listJobs: vi.fn(async () => []),
    cancelJob: vi.fn(async () => undefined),
    pickMasters: vi.fn(async () => []),
    auditJob: vi.fn(async () => []),
    stationInfo: vi.fn(async () => ({ origin: '/out' })),
    pauseJob: vi.fn(async () => undefined),
    resumeJob: vi.fn(async () => undefined),
    retryJob: vi.fn(async () => undefined),
    moveJob: vi.fn(async () => undefined),
    setTitle: vi.fn(async () => ({}) as never),
    setOverrides: vi.fn(async () => ({}) as never),
    pauseAll: vi.fn(async () => undefined),
    resumeAll: vi.fn(async () => undefined),
    getSettings: vi.fn(async () => ({
      config: {} as never,
      credentials: {},
      saved: true,
      secretStorage: { available: true, backend: 'test' },
    })),
    saveSettings: vi.fn(async () => ({
      config: {} as never,
      credentials: {},
      saved: true,
      secretStorage: { available: true, backend: 'test' },
    })),
    testDestination: vi.fn(async () => ({ ok: true, steps: [] })),
    libraryView: vi.fn(async () => ({
      titles: [],
      total: 0,
      offset: 0,
      counts: { all: 0, problems: 0, restore: 0, 'never-proven': 0 },
    })),
    batchJobs: vi.fn(async () => ({ done: 0, refused: [] })),
    setTitlesFromSheet: vi.fn(async () => ({ set: [], unmatched: [], unusedRows: [], refused: [] })),
    runSample: vi.fn(async () => ({}) as never),
    stationDay: vi.fn(async () => ({ destinations: {} })),
    auditLibrary: vi.fn(async () => undefined),
    farmView: vi.fn(async () => ({ titles: [], problems: [] })),
    farmControl: vi.fn(async () => undefined),
    drmPlayerKeys: vi.fn(async () => ({})),
    throughput: vi.fn(async () => ({ station: { startMs: 0, bucketSeconds: 1, bytes: [], inFlight: [] } })),
    chunkMap: vi.fn(async () => ({
      titleId: 't',
      rows: [],
      counts: { verified: 0, origin: 0, proven: 0, problem: 0, repaired: 0 },
    })),
  };
  registerIpc(ipcMain, handlers, APP_URL);
  const fromApp = { senderFrame: { url: APP_URL, parent: null } };
  return { registered, handlers, fromApp };
}

describe('IPC registration', () => {
  it('registers exactly one handler per operation of the contract', () => {
    const { registered } = setup();
    expect([...registered.keys()].sort()).toEqual(Object.values(INVOKE_CHANNELS).sort());
  });

  it('passes validated arguments to the engine handler', async () => {
    const { registered, handlers, fromApp } = setup();
    await registered.get('jobs:add')!(fromApp, ['/media/in/film.mov', 'C:\\masters\\b.mxf']);
    expect(handlers.addMasters).toHaveBeenCalledWith(['/media/in/film.mov', 'C:\\masters\\b.mxf']);
    await registered.get('jobs:cancel')!(fromApp, 'jabc123');
    expect(handlers.cancelJob).toHaveBeenCalledWith('jabc123');
    await registered.get('jobs:audit')!(fromApp, 'jabc123', { repair: true, deep: false });
    expect(handlers.auditJob).toHaveBeenCalledWith('jabc123', { repair: true, deep: false });
  });

  it.each([
    ['a relative path', 'jobs:add', [['film.mov']], /not an absolute path/],
    [
      'a UNC path (Windows would connect to the named host)',
      'jobs:add',
      [['\\\\attacker\\share\\film.mov']],
      /network \(UNC\) path/,
    ],
    ['a //host path', 'jobs:add', [['//attacker/share/film.mov']], /network \(UNC\) path/],
    ['a path with NUL', 'jobs:add', [['/a\0b']], /NUL/],
    ['a string instead of an array', 'jobs:add', ['/a.mov'], /Invalid arguments for addMasters/],
    ['no paths', 'jobs:add', [[]], /Invalid arguments for addMasters/],
    ['extra arguments', 'jobs:list', [1], /Invalid arguments for listJobs/],
    [
      'a job id with path characters',
      'jobs:cancel',
      ['../../etc'],
      /cannot name a folder: it would name another folder/,
    ],
    ['an object as job id', 'jobs:cancel', [{ id: 1 }], /Invalid arguments for cancelJob/],
    [
      'audit options with an unknown key',
      'jobs:audit',
      ['j1', { repair: true, deep: false, rm: '-rf' }],
      /Invalid arguments for auditJob/,
    ],
    ['audit without options', 'jobs:audit', ['j1'], /Invalid arguments for auditJob/],
    ['a move to nowhere', 'jobs:move', ['j1', 'sideways'], /Invalid arguments for moveJob/],
  ])('rejects %s before reaching the engine', async (_name, channel, args, message) => {
    const { registered, handlers, fromApp } = setup();
    await expect(registered.get(channel)!(fromApp, ...args)).rejects.toThrow(message);
    for (const h of Object.values(handlers)) expect(h).not.toHaveBeenCalled();
  });

  it.each([
    ['another origin', { senderFrame: { url: 'https://evil.example/index.html', parent: null } }],
    ['a local file', { senderFrame: { url: 'file:///tmp/evil.html', parent: null } }],
    ['another app:// host', { senderFrame: { url: 'app://elsewhere/index.html', parent: null } }],
    ['a subframe of the app', { senderFrame: { url: APP_URL, parent: {} } }],
    ['no frame', { senderFrame: null }],
  ])('refuses calls from %s', async (_name, event) => {
    const { registered, handlers } = setup();
    await expect(registered.get('jobs:list')!(event)).rejects.toThrow(/did not come from the Ingest Station window/);
    expect(handlers.listJobs).not.toHaveBeenCalled();
  });

  it('trusts the app page and the dev server by origin only', () => {
    expect(isTrustedUrl('app://station/index.html#/settings', APP_URL)).toBe(true);
    expect(isTrustedUrl('app://station.evil/index.html', APP_URL)).toBe(false);
    expect(isTrustedUrl('http://localhost:5173/src/x', 'http://localhost:5173/')).toBe(true);
    expect(isTrustedUrl('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
    expect(isTrustedUrl('not a url', 'http://localhost:5173/')).toBe(false);
  });
});
