/**
 * The window's pure rules, without a browser: the queue table's filter/sort/group, the one mapping
 * from a failure's code to the action that fixes it (and what was kept), the dashboard's "what is
 * waiting on what", and the chunk map's layout at 10,000 chunks (wrapped at the width it has; the
 * overview shows every problem).
 */
import { describe, expect, it } from 'vitest';
import { emptyStages, type JobSnapshot } from '../../electron/common/jobs';
import type { ChunkState } from '../../electron/common/library';
import { cellAt, layoutChunkMap, overviewColumns } from '../../renderer/src/chunk-layout';
import { today, waitingOn } from '../../renderer/src/dashboard/summary';
import { fixFor, keptAfter } from '../../renderer/src/failures';
import { DEFAULT_QUERY, folderOf, queueItems } from '../../renderer/src/queue/queue-model';
import { dayOfTitles } from '../helpers/seed';

const NOW = Date.parse('2026-12-01T18:00:00');
const day = dayOfTitles(300, { now: NOW, running: 6, waiting: 'queued' }) as JobSnapshot[];

describe("the window's rules", () => {
  it('the queue: filter by state, stage and text; sort; group by batch or folder; collapse a group', () => {
    const ids = (q: Partial<typeof DEFAULT_QUERY>, collapsed = new Set<string>()) =>
      queueItems(day, { ...DEFAULT_QUERY, ...q }, collapsed);
    expect(ids({})).toHaveLength(300);
    const failed = ids({ state: 'attention' });
    expect(failed.every((i) => i.kind === 'job' && i.job.state === 'failed')).toBe(true);
    expect(failed).toHaveLength(day.filter((j) => j.state === 'failed').length);
    expect(ids({ text: 'accessdenied' }).length).toBe(day.filter((j) => j.error?.code === 's3-AccessDenied').length);
    expect(ids({ text: 'TT4000000' })).toHaveLength(1); // a title ID
    const bySize = ids({ sort: 'size', descending: true }).map((i) =>
      i.kind === 'job' ? Number(i.job.fingerprint!.split(':')[0]) : 0,
    );
    expect(bySize).toEqual([...bySize].sort((a, b) => b - a));
    const byFolder = ids({ group: 'folder' });
    const heads = byFolder.filter((i) => i.kind === 'group');
    expect(heads.length).toBe(new Set(day.map((j) => folderOf(j.sourcePath).path)).size);
    expect(byFolder).toHaveLength(300 + heads.length);
    const first = heads[0]!;
    const collapsed = ids({ group: 'folder' }, new Set([first.kind === 'group' ? first.key : '']));
    expect(collapsed).toHaveLength(300 + heads.length - (first.kind === 'group' ? first.ids.length : 0));
    expect(ids({ group: 'batch' }).filter((i) => i.kind === 'group')).toHaveLength(12); // 25 titles a batch
    expect(folderOf('/Volumes/Masters/Studio Kite/Delivery 2/Film.mov')).toEqual({
      path: '/Volumes/Masters/Studio Kite/Delivery 2',
      name: 'Studio Kite/Delivery 2',
    });
  });

  it('a failure: the one fix by its code (then by its stage), and what was kept', () => {
    const fix = (code: string | undefined, stage: JobSnapshot['stage'] = 'transcode') =>
      fixFor({ stage, message: 'm', ...(code ? { code } : {}) }).action;
    expect(fix('not-media', 'probe')).toBe('replace-master');
    expect(fix('probe-timeout', 'probe')).toBe('retry');
    expect(fix('title-conflict', 'claim')).toBe('set-title-id');
    expect(fix('title-partly-delivered', 'claim')).toBe('retry-replace');
    expect(fix('s3-AccessDenied', 'uploadOrigin')).toBe('open-settings');
    expect(fix('s3-SlowDown', 'uploadOrigin')).toBe('retry');
    expect(fix('source-changed')).toBe('add-again');
    expect(fix(undefined, 'plan')).toBe('open-settings');
    const job = {
      ...day[0]!,
      packageDir: '/work/jobs/j/package',
      error: { stage: 'uploadOrigin' as const, message: 'x' },
      delivered: { origin: { objects: 40, bytes: 1, skipped: 0 } },
    };
    expect(keptAfter(job)).toBe(
      'Kept: every chunk encoded and proven so far; 40 objects at origin; every part the store acknowledged. A retry starts from there.',
    );
    expect(keptAfter({ ...job, error: { stage: 'probe', message: 'x' } })).toBe(
      'Nothing was made or sent; the master is untouched.',
    );
  });

  it('the dashboard: today, and what every unfinished title waits on — the operator first', () => {
    const t = today(day, NOW);
    expect(t.added).toBe(300);
    expect(t.delivered).toBe(day.filter((j) => j.state === 'done').length);
    expect(t.bytes.origin).toBe(day.reduce((n, j) => n + (j.state === 'done' ? j.delivered!.origin!.bytes : 0), 0));
    const slot = {
      ...day[0]!,
      stages: {
        ...emptyStages(),
        transcode: { state: 'pending' as const, fraction: 0, detail: 'waiting for a transcode slot (1 at a time)' },
      },
    };
    const groups = waitingOn([...day, slot]);
    expect(groups[0]!.kind).toBe('fix');
    expect(groups.map((g) => g.on)).toContain('a transcode slot (1 at a time)');
    expect(groups.find((g) => g.kind === 'running')!.on).toBe('transcode + verify + upload origin + upload archive');
    expect(groups.find((g) => g.on === 'the operator: a title ID, then Resume')!.titles.length).toBeGreaterThan(0);
  });

  it('a 10,000-chunk map wraps at its width; a point names its cell; one problem in 2,500 shows in the overview', () => {
    const states = Array.from({ length: 2500 }, (_v, i): ChunkState => (i === 1234 ? 'problem' : 'proven'));
    const map = {
      rows: ['1080p', '720p', '360p', 'audio'].map((rendition) => ({
        rendition,
        cells: states.map((state, i) => ({ path: `${rendition}/seg_${i}.m4s`, state })),
      })),
    };
    const layout = layoutChunkMap(map, 500);
    expect(layout.width).toBeLessThanOrEqual(500);
    expect(layout.cell).toBe(6);
    expect(layout.blocks).toHaveLength(4);
    expect(layout.blocks[0]!.lines).toBe(Math.ceil(2500 / layout.perLine));
    // The cell under a point: line 3 of the second rendition, column 5.
    const y = layout.blocks[1]!.top + 3 * layout.lineHeight + 1;
    const x = 76 + 5 * (layout.cell + 1) + 1;
    expect(cellAt(layout, map, x, y)).toEqual({ row: 1, index: 3 * layout.perLine + 5 });
    expect(cellAt(layout, map, 10, y)).toBeUndefined();
    const overview = overviewColumns(states, 400);
    expect(overview).toHaveLength(400);
    expect(overview.filter((s) => s === 'problem')).toHaveLength(1);
  });
});
