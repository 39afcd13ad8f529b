/**
 * The queue's selection acting on many titles (the engine side of "batch actions"), with stand-in
 * stages and a real JobStore: each title that cannot take an action is named with the reason, the
 * rest take it; "run first" keeps the selection's order; title IDs come from a sheet's text.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STAGES } from '../../electron/common/jobs';
import { applyTitleSheet, runBatch } from '../../electron/engine/batch-actions';
import { JobQueue, type JobRecord, type StageRunner } from '../../electron/engine/queue/job-queue';
import { JobStore } from '../../electron/engine/queue/job-store';
import { StationError } from '../../electron/engine/util/errors';

const opened: JobQueue[] = [];
afterEach(async () => {
  for (const q of opened.splice(0)) await q.close();
});

/** A queue whose probe fails for masters named "bad…" and otherwise finishes every stage. */
async function queue(): Promise<JobQueue> {
  const stages: StageRunner[] = STAGES.map((name) => ({
    name,
    async run({ job }) {
      if (name === 'probe' && job.title.startsWith('bad'))
        throw new StationError('The file is empty (0 bytes).', 'zero-bytes');
      return 'done';
    },
  }));
  const dir = await mkdtemp(join(tmpdir(), 'batch-'));
  const q = await JobQueue.open(new JobStore<JobRecord>(join(dir, 'jobs.jsonl')), stages, { activeJobs: 1 });
  opened.push(q);
  return q;
}

describe('batch actions', () => {
  it('pause, resume, retry and cancel a selection: the titles that cannot are named, with why', async () => {
    const q = await queue();
    const held = await q.add(['/m/one.mov', '/m/two.mov', '/m/three.mov'], {}, { hold: true });
    const [bad] = await q.add(['/m/bad.mov']);
    expect((await q.waitFor(bad!.id)).error).toMatchObject({ stage: 'probe', code: 'zero-bytes' });
    const ids = [...held.map((j) => j.id), bad!.id];

    const pause = await runBatch(q, ids, 'pause');
    expect(pause.done).toBe(0);
    expect(pause.refused.map((r) => r.reason)).toEqual([
      'paused: only waiting or running titles can be paused',
      'paused: only waiting or running titles can be paused',
      'paused: only waiting or running titles can be paused',
      'failed: only waiting or running titles can be paused',
    ]);
    const retry = await runBatch(q, ids, 'retry');
    expect(retry).toMatchObject({ done: 1, refused: [{ title: 'one' }, { title: 'two' }, { title: 'three' }] });
    expect((await q.waitFor(bad!.id)).state).toBe('failed'); // retried from its failed stage, failed again
    const cancel = await runBatch(q, [held[2]!.id, 'jnosuch'], 'cancel');
    expect(cancel).toEqual({
      done: 1,
      refused: [{ jobId: 'jnosuch', title: 'jnosuch', reason: 'no such title (it was removed)' }],
    });
    expect(q.get(held[2]!.id)!.state).toBe('cancelled');
    const resume = await runBatch(q, [held[0]!.id, held[1]!.id], 'resume');
    expect(resume).toEqual({ done: 2, refused: [] });
    for (const j of held.slice(0, 2)) expect((await q.waitFor(j.id)).state).toBe('done');
  });

  it('run first puts the selection ahead of the rest, in the order they had', async () => {
    const q = await queue();
    const jobs = await q.add(['/m/a.mov', '/m/b.mov', '/m/c.mov', '/m/d.mov'], {}, { hold: true });
    await runBatch(q, [jobs[3]!.id, jobs[2]!.id], 'top');
    const order = q
      .list()
      .sort((x, y) => (x.priority ?? 0) - (y.priority ?? 0))
      .map((j) => j.title);
    expect(order).toEqual(['c', 'd', 'a', 'b']);
  });

  it('title IDs from a sheet: matched by file name; titles without a row, rows without a title, and claimed titles said', async () => {
    const q = await queue();
    const jobs = await q.add(['/in/Film One.mov', '/in/Film Two.mov', '/in/Film Three.mov'], {}, { hold: true });
    await q.setTitle(jobs[2]!.id, {});
    const sheet = 'file,title_id,replace\n"Film One.mov",tt0000001,\nFilm Two.mov,tt0000002,yes\nNobody.mov,tt9,\n';
    const r = await applyTitleSheet(
      q,
      jobs.map((j) => j.id),
      sheet,
    );
    expect(r.set).toEqual([
      { jobId: jobs[0]!.id, title: 'Film One', titleId: 'tt0000001' },
      { jobId: jobs[1]!.id, title: 'Film Two', titleId: 'tt0000002', replace: true },
    ]);
    expect(r.unmatched).toEqual([{ jobId: jobs[2]!.id, title: 'Film Three' }]);
    expect(r.unusedRows).toEqual(['Nobody.mov']);
    expect(q.get(jobs[1]!.id)!.titleRequest).toEqual({ titleId: 'tt0000002', replace: true });
    // A bad ID is an error naming the row, before anything is changed.
    await expect(applyTitleSheet(q, [jobs[0]!.id], 'file,title_id\nFilm One.mov,has space\n')).rejects.toThrow(
      /^The title sheet row 2: "has space" cannot be a title ID/,
    );
    // A title that has run cannot change its ID: refused, with the engine's sentence.
    const [done] = await q.add(['/in/Film Four.mov']);
    await q.waitFor(done!.id);
    const late = await applyTitleSheet(q, [done!.id], 'file,title_id\nFilm Four.mov,tt0000004\n');
    expect(late.refused[0]!.reason).toMatch(/^The title ID of "Film Four" can no longer change/);
  });
});
