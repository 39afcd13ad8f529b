/**
 * The whole queue on the dock / taskbar: the tracker (what the OS is told, and when) with a
 * recording sink, then Electron main's wiring with `electron` mocked (its binary cannot run here):
 * job updates from the engine reach BrowserWindow.setProgressBar and app.setBadgeCount.
 */
import { describe, expect, it, vi } from 'vitest';
import { emptyStages, STAGES, type JobSnapshot, type StageName } from '../../electron/common/jobs';
import { jobFraction } from '../../electron/common/queue-progress';
import { createQueueProgress, type ProgressSink } from '../../electron/main/queue-progress';
import { electron, fakeWindow } from '../helpers/fake-electron';

function job(
  id: string,
  state: JobSnapshot['state'],
  done: StageName[] = [],
  running?: [StageName, number],
): JobSnapshot {
  const stages = emptyStages();
  for (const s of done) stages[s] = { state: 'done', fraction: 1 };
  if (running) stages[running[0]] = { state: 'running', fraction: running[1] };
  return { id, title: id, sourcePath: `/m/${id}.mov`, state, stage: 'probe', stages, createdAt: '', updatedAt: '' };
}

function recorder(): ProgressSink & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    setProgress: (f, mode) => void calls.push(`bar ${f.toFixed(2)} ${mode}`),
    setBadge: (n) => void calls.push(`badge ${n}`),
    notify: (t, b) => void calls.push(`notify ${t} — ${b}`),
  };
}

describe('queue progress on the dock / taskbar', () => {
  it("a title's fraction: an even share per stage, done and skipped whole, running by its fraction", () => {
    expect(jobFraction(job('a', 'queued'))).toBe(0);
    const half = job('b', 'running', ['probe', 'analyse', 'plan', 'claim', 'transcode'], ['verify', 0.5]);
    expect(jobFraction(half)).toBeCloseTo(5.5 / STAGES.length);
    expect(jobFraction(job('c', 'done'))).toBe(1);
  });

  it('moves with the run, tells the OS only what changed, marks a failure, ends with one notification', () => {
    const sink = recorder();
    const p = createQueueProgress(sink);
    p.update(job('a', 'queued'));
    p.update(job('b', 'queued'));
    // Ten updates that do not move a whole percent: the OS hears nothing new.
    for (let i = 0; i < 10; i++) p.update(job('a', 'running', [], ['probe', 0.001 * i]));
    p.update(
      job('a', 'running', [
        'probe',
        'analyse',
        'plan',
        'claim',
        'transcode',
        'verify',
        'uploadOrigin',
        'uploadArchive',
        'audit',
      ]),
    );
    p.update(job('a', 'done'));
    p.update(job('b', 'failed', ['probe']));
    expect(sink.calls).toEqual([
      'bar 0.00 normal',
      'badge 1',
      'badge 2',
      'bar 0.45 normal',
      'bar 0.50 normal',
      'badge 1',
      // b failed: the run is over (nothing left), said once, the bar and badge cleared.
      'notify The queue has finished: 1 title needs attention — 1 title delivered · 1 failed',
      'bar -1.00 none',
      'badge 0',
    ]);
  });

  it('paused when everything left is paused, error once one failed; a finished title outside a run is history; a restart seeds the run', () => {
    const sink = recorder();
    const p = createQueueProgress(sink);
    p.update(job('old', 'done'));
    expect(sink.calls).toEqual([]);
    p.seed([job('x', 'running', ['probe', 'analyse', 'plan', 'claim']), job('y', 'paused'), job('z', 'done')]);
    p.update(job('x', 'paused', ['probe', 'analyse', 'plan', 'claim']));
    p.update(job('x', 'failed', ['probe', 'analyse', 'plan', 'claim']));
    expect(sink.calls).toEqual(['bar 0.20 normal', 'badge 2', 'bar 0.20 paused', 'bar 0.50 error', 'badge 1']);
  });
});

const engine = vi.hoisted(() => ({ listeners: [] as Array<(j: unknown) => void> }));
vi.mock('electron', async () => (await import('../helpers/fake-electron')).electronModule());
vi.mock('../../electron/main/window', async () => {
  const { fakeWindow } = await import('../helpers/fake-electron');
  return {
    createMainWindow: vi.fn(() => fakeWindow),
    guardWebContents: vi.fn(),
    installCsp: vi.fn(),
    rendererUrl: vi.fn((_p: boolean, _e: unknown, url: string) => url),
  };
});
vi.mock('../../electron/engine/app-engine', () => ({
  openAppEngine: vi.fn(async () => ({
    handlers: { listJobs: async () => [] },
    onJobUpdate: (l: (j: unknown) => void) => void engine.listeners.push(l),
    onEngineState: vi.fn(),
    onAlert: vi.fn(),
    media: vi.fn(),
    close: vi.fn(async () => undefined),
  })),
}));

describe('Electron main: the queue on the dock / taskbar', () => {
  it("job updates reach the window's progress bar and the app's badge", async () => {
    await import('../../electron/main/index');
    await vi.waitFor(() => expect(engine.listeners).toHaveLength(1));
    const [send] = engine.listeners;
    send!(job('a', 'running', ['probe', 'analyse', 'plan', 'claim'], ['transcode', 0.5]));
    send!(job('b', 'queued'));
    expect(fakeWindow.setProgressBar).toHaveBeenLastCalledWith(0.22, { mode: 'normal' });
    expect(electron.app.setBadgeCount).toHaveBeenLastCalledWith(2);
    send!(job('a', 'done'));
    send!(job('b', 'done'));
    expect(fakeWindow.setProgressBar).toHaveBeenLastCalledWith(-1, { mode: 'none' });
    expect(electron.app.setBadgeCount).toHaveBeenLastCalledWith(0);
    expect(electron.Notification).toHaveBeenCalledWith({
      title: 'The queue has finished',
      body: '2 titles delivered',
    });
  });
});
