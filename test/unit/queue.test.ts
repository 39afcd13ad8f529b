/**
 * The queue's state machine with stand-in stages (real JobStore on disk): order, failure with a
 * reason, cancel, and — the point of persistence — resume after a crash without redoing stages.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { appendFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STAGES, type StageName } from '../../electron/common/jobs';
import { JobQueue, type JobRecord, type StageRunner } from '../../electron/engine/queue/job-queue';
import { JobStore } from '../../electron/engine/queue/job-store';
import { CancelledError, StationError } from '../../electron/engine/util/errors';

type Behaviour = Partial<Record<StageName, (signal: AbortSignal, job: JobRecord) => Promise<'done' | 'skipped'>>>;

function runners(log: string[], behaviour: Behaviour = {}): StageRunner[] {
  return STAGES.map((name) => ({
    name,
    async run({ job, signal, progress }) {
      log.push(`${job.title}:${name}`);
      progress({ fraction: 0.5 });
      return (await behaviour[name]?.(signal, job)) ?? 'done';
    },
    cleanup: async (job) => void log.push(`${job.title}:cleanup:${name}`),
  }));
}

/** Every queue a test opens is closed after it: no journal's file handle is left to the GC. */
const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const q of opened.splice(0)) await q.close();
});

async function openQueue(
  dir: string,
  log: string[],
  behaviour?: Behaviour,
  options?: Parameters<typeof JobQueue.open>[2],
): Promise<JobQueue> {
  const q = await JobQueue.open(new JobStore<JobRecord>(join(dir, 'jobs.jsonl')), runners(log, behaviour), options);
  opened.push(q);
  return q;
}

/** A stage that runs until it is aborted (cancel, pause or the queue closing). */
const untilAborted = (signal: AbortSignal): Promise<never> =>
  new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new CancelledError()), { once: true }));

/** A promise the test resolves when it chooses: stages wait on these instead of on the clock. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

const tmp = (): Promise<string> => mkdtemp(join(tmpdir(), 'queue-'));

describe('job queue', () => {
  it('runs every stage in order, one job at a time, and emits updates', async () => {
    const log: string[] = [];
    const q = await openQueue(await tmp(), log);
    const updates = vi.fn();
    q.onUpdate(updates);
    const [a, b] = await q.add(['/m/a.mov', '/m/b.mov']);
    const [da, db] = await Promise.all([q.waitFor(a!.id), q.waitFor(b!.id)]);
    expect(da.state).toBe('done');
    expect(db.state).toBe('done');
    expect(log).toEqual([...STAGES.map((s) => `a:${s}`), ...STAGES.map((s) => `b:${s}`)]);
    expect(updates.mock.calls.some(([j]) => j.stages.probe.fraction === 0.5)).toBe(true);
    expect(Object.keys(updates.mock.calls[0]![0])).not.toContain('outputs');
    await q.close();
  });

  it('a failing stage fails the job with its reason and detail; later stages never run', async () => {
    const log: string[] = [];
    const q = await openQueue(await tmp(), log, {
      transcode: async () => {
        throw new StationError('ffmpeg failed: Conversion failed!', 'ffmpeg-failed', 'stderr tail');
      },
    });
    const [job] = await q.add(['/m/x.mov']);
    const done = await q.waitFor(job!.id);
    expect(done.state).toBe('failed');
    expect(done.error).toEqual({
      stage: 'transcode',
      message: 'ffmpeg failed: Conversion failed!',
      // The stable code travels with the failure: the window keys "the action that fixes it" on it.
      code: 'ffmpeg-failed',
      detail: 'stderr tail',
    });
    expect(done.stages.transcode.state).toBe('failed');
    expect(done.stages.verify.state).toBe('pending');
    expect(log).not.toContain('x:verify');
    await q.close();
  });

  it('cancel aborts the running stage, runs cleanups and marks the job cancelled', async () => {
    const log: string[] = [];
    const q = await openQueue(await tmp(), log, {
      transcode: (signal) =>
        new Promise((_r, reject) =>
          signal.addEventListener('abort', () => reject(new CancelledError()), { once: true }),
        ),
    });
    const [job] = await q.add(['/m/c.mov']);
    await vi.waitFor(() => expect(log).toContain('c:transcode'));
    await q.cancel(job!.id);
    const done = await q.waitFor(job!.id);
    expect(done.state).toBe('cancelled');
    expect(done.stages.transcode.state).toBe('cancelled');
    expect(log).toContain('c:cleanup:transcode');
    await q.close();
  });

  it('after a crash, an interrupted job resumes at its interrupted stage; completed stages are not redone', async () => {
    const dir = await tmp();
    const log: string[] = [];
    const store1 = new JobStore<JobRecord>(join(dir, 'jobs.jsonl'));
    const q1 = await JobQueue.open(store1, runners(log, { verify: () => new Promise(() => undefined) }));
    const [job] = await q1.add(['/m/r.mov']);
    await vi.waitFor(() => expect(log).toContain('r:verify'));
    // "kill -9": the first queue is simply abandoned, never closed; only its journal survives.
    const log2: string[] = [];
    const q2 = await openQueue(dir, log2);
    const resumed = await q2.waitFor(job!.id);
    expect(resumed.state).toBe('done');
    expect(log2).toEqual(['r:verify', 'r:uploadOrigin', 'r:uploadArchive', 'r:audit', 'r:report']);
    await store1.close(); // what the dead process's exit would have done to its file handle
  });

  it('a source that already has an unfinished job gets that job back', async () => {
    const q = await openQueue(await tmp(), [], { probe: untilAborted });
    const [first] = await q.add(['/m/same.mov']);
    const [second] = await q.add(['/m/same.mov']);
    expect(second!.id).toBe(first!.id);
  });

  it('eligible() keeps other processes’ jobs waiting', async () => {
    const log: string[] = [];
    const q = await openQueue(await tmp(), log, {}, { eligible: (j) => j.sourcePath.endsWith('mine.mov') });
    const [other, mine] = await q.add(['/m/other.mov', '/m/mine.mov']);
    expect((await q.waitFor(mine!.id)).state).toBe('done');
    expect(q.get(other!.id)!.state).toBe('queued');
    expect(log.some((l) => l.startsWith('other:'))).toBe(false);
  });
});

describe('job store', () => {
  it('ignores a torn last line from a crash mid-append and compacts to one line per job', async () => {
    const path = join(await tmp(), 'jobs.jsonl');
    const s1 = new JobStore<{ id: string; v: number }>(path);
    await s1.open();
    await s1.save({ id: 'a', v: 1 });
    await s1.save({ id: 'a', v: 2 });
    await s1.save({ id: 'b', v: 1 });
    await s1.close();
    await appendFile(path, '{"id":"a","v":3');
    const s2 = new JobStore<{ id: string; v: number }>(path);
    expect(await s2.open()).toEqual([
      { id: 'a', v: 2 },
      { id: 'b', v: 1 },
    ]);
    await s2.close();
    expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(2);
  });
});

describe('queue controls', () => {
  it('priorities: move to the top, up and down among waiting jobs', async () => {
    const log: string[] = [];
    const q = await openQueue(await tmp(), log, { probe: untilAborted });
    const [a, b, c, d] = await q.add(['/m/a.mov', '/m/b.mov', '/m/c.mov', '/m/d.mov']);
    await vi.waitFor(() => expect(log).toContain('a:probe')); // a is running (forever), b c d wait
    await q.move(d!.id, 'top');
    await q.move(b!.id, 'down');
    const order = q
      .list()
      .filter((j) => j.state === 'queued')
      .sort((x, y) => (x.priority ?? 0) - (y.priority ?? 0))
      .map((j) => j.title);
    expect(order).toEqual(['d', 'c', 'b']);
    await q.move(b!.id, 'up');
    expect(
      q
        .list()
        .filter((j) => j.state === 'queued')
        .sort((x, y) => (x.priority ?? 0) - (y.priority ?? 0))
        .map((j) => j.title),
    ).toEqual(['d', 'b', 'c']);
    await expect(q.move(a!.id, 'top')).rejects.toThrow(/only waiting titles can be reordered/);
    expect(c!.title).toBe('c');
  });

  it('pause a running job: its stage stops and reruns on resume; earlier stages are not redone', async () => {
    const log: string[] = [];
    let first = true;
    const q = await openQueue(await tmp(), log, {
      transcode: (signal) =>
        first
          ? new Promise((_r, reject) =>
              signal.addEventListener('abort', () => ((first = false), reject(new CancelledError())), { once: true }),
            )
          : Promise.resolve('done'),
    });
    const [job] = await q.add(['/m/p.mov']);
    await vi.waitFor(() => expect(log).toContain('p:transcode'));
    await q.pause(job!.id);
    expect(q.get(job!.id)!.state).toBe('paused');
    expect(q.get(job!.id)!.stages.transcode.state).toBe('pending');
    await q.resume(job!.id);
    expect((await q.waitFor(job!.id)).state).toBe('done');
    expect(log.filter((l) => l === 'p:probe')).toHaveLength(1);
    expect(log.filter((l) => l === 'p:transcode')).toHaveLength(2);
  });

  it('retry a failed job from the failed stage only; pause all / resume all', async () => {
    const log: string[] = [];
    let fail = true;
    const q = await openQueue(await tmp(), log, {
      verify: async () => {
        if (fail) throw new StationError('bad segment', 'verify-failed');
        return 'done';
      },
    });
    const [job] = await q.add(['/m/r.mov']);
    expect((await q.waitFor(job!.id)).state).toBe('failed');
    fail = false;
    await q.retry(job!.id);
    expect((await q.waitFor(job!.id)).state).toBe('done');
    expect(log.filter((l) => l === 'r:transcode')).toHaveLength(1);
    expect(log.filter((l) => l === 'r:verify')).toHaveLength(2);
    await expect(q.retry(job!.id)).rejects.toThrow(/only failed titles can be retried/);

    const held = await openQueue(await tmp(), [], { probe: untilAborted });
    const [x, y] = await held.add(['/m/x.mov', '/m/y.mov']);
    await held.pauseAll();
    expect([held.get(x!.id)!.state, held.get(y!.id)!.state]).toEqual(['paused', 'paused']);
    await held.resumeAll();
    expect(held.get(y!.id)!.state).toMatch(/queued|running/);
  });

  it('resource limits: three titles active, one transcode at a time while another title uploads; slots go in queue order', async () => {
    // Each title's transcode and upload wait for the test to release them: no clock involved.
    const log: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    const at = (key: string) => gates.get(key) ?? gates.set(key, gate()).get(key)!;
    let inTranscode = 0;
    let maxInTranscode = 0;
    const q = await openQueue(
      await tmp(),
      log,
      {
        transcode: async (_signal, { title }) => {
          inTranscode++;
          maxInTranscode = Math.max(maxInTranscode, inTranscode);
          await at(`${title}:transcode`).promise;
          inTranscode--;
          return 'done';
        },
        uploadOrigin: async (_signal, { title }) => {
          await at(`${title}:upload`).promise;
          return 'done';
        },
      },
      { activeJobs: 3, stageLimits: { transcode: 1 } },
    );
    const waits = new Set<string>();
    q.onUpdate((j) => {
      if (j.stages.transcode.detail?.startsWith('waiting for a transcode slot')) waits.add(j.title);
    });
    const jobs = await q.add(['/m/a.mov', '/m/b.mov', '/m/c.mov', '/m/d.mov']);
    await vi.waitFor(() => expect(log).toContain('a:transcode'));
    // a holds the transcode slot: b and c wait for it; d waits for one of the three active titles.
    await vi.waitFor(() => expect([...waits].sort()).toEqual(['b', 'c']));
    expect(log).not.toContain('d:probe');
    at('a:transcode').open();
    // a uploads while b transcodes: the overlap the limits exist for.
    await vi.waitFor(() => expect(log).toEqual(expect.arrayContaining(['a:uploadOrigin', 'b:transcode'])));
    expect(inTranscode).toBe(1);
    for (const t of ['a', 'b', 'c', 'd']) {
      at(`${t}:transcode`).open();
      at(`${t}:upload`).open();
    }
    const done = await Promise.all(jobs.map((j) => q.waitFor(j.id)));
    expect(done.map((j) => j.state)).toEqual(['done', 'done', 'done', 'done']);
    expect(maxInTranscode).toBe(1);
    const transcodes = log.filter((l) => l.endsWith(':transcode')).map((l) => l.split(':')[0]);
    expect(transcodes).toEqual(['a', 'b', 'c', 'd']);
    // a fourth title waits for one of the three active ones to finish.
    expect(log.indexOf('d:probe')).toBeGreaterThan(log.indexOf('a:report'));
  });
});

describe('stages side by side', () => {
  /** probe → plan → claim, then transcode, verify and the uploads at once (as the pipeline declares them). */
  function streamed(log: string[], behaviour: Behaviour = {}): StageRunner[] {
    const after: Partial<Record<StageName, StageName[]>> = {
      transcode: ['claim'],
      verify: ['claim'],
      uploadOrigin: ['claim'],
      uploadArchive: ['claim'],
      audit: ['transcode', 'verify', 'uploadOrigin', 'uploadArchive'],
    };
    return runners(log, behaviour).map((r) => ({
      ...r,
      ...(after[r.name] ? { after: after[r.name] } : {}),
      ...(r.name === 'verify' ? { alsoRetry: () => ['transcode'] as StageName[] } : {}),
    }));
  }
  async function open(dir: string, log: string[], behaviour?: Behaviour): Promise<JobQueue> {
    const q = await JobQueue.open(new JobStore<JobRecord>(join(dir, 'jobs.jsonl')), streamed(log, behaviour));
    opened.push(q);
    return q;
  }

  it('runs the stages that only need the claim at the same time, and the audit after all of them', async () => {
    const log: string[] = [];
    const gates = { transcode: gate(), verify: gate() };
    const q = await open(await tmp(), log, {
      transcode: async () => (await gates.transcode.promise, 'done'),
      verify: async () => (await gates.verify.promise, 'done'),
    });
    const [job] = await q.add(['/m/s.mov']);
    await vi.waitFor(() =>
      expect(log).toEqual(expect.arrayContaining(['s:transcode', 's:verify', 's:uploadOrigin', 's:uploadArchive'])),
    );
    const snap = q.get(job!.id)!;
    expect(snap.stages.transcode.state).toBe('running');
    expect(snap.stages.verify.state).toBe('running');
    expect(log).not.toContain('s:audit');
    gates.transcode.open();
    gates.verify.open();
    expect((await q.waitFor(job!.id)).state).toBe('done');
    expect(log.indexOf('s:audit')).toBeGreaterThan(log.indexOf('s:verify'));
  });

  it("overlap off (the benchmark's baseline): the same runners one after another, in STAGES order", async () => {
    const log: string[] = [];
    const gates = { transcode: gate() };
    const q = await JobQueue.open(
      new JobStore<JobRecord>(join(await tmp(), 'jobs.jsonl')),
      streamed(log, { transcode: async () => (await gates.transcode.promise, 'done') }),
      { overlap: false },
    );
    opened.push(q);
    const [job] = await q.add(['/m/q.mov']);
    await vi.waitFor(() => expect(log).toContain('q:transcode'));
    expect(q.get(job!.id)!.stages.verify.state).toBe('pending');
    expect(log).not.toContain('q:verify');
    gates.transcode.open();
    expect((await q.waitFor(job!.id)).state).toBe('done');
    expect(log).toEqual([
      'q:probe',
      'q:analyse',
      'q:plan',
      'q:claim',
      'q:transcode',
      'q:verify',
      'q:uploadOrigin',
      'q:uploadArchive',
      'q:audit',
      'q:report',
    ]);
  });

  it('a failing stage stops its siblings (back to pending, their state kept) and a retry runs them again', async () => {
    const log: string[] = [];
    let fail = true;
    const q = await open(await tmp(), log, {
      transcode: async (signal) => (fail ? untilAborted(signal) : 'done'),
      verify: async () => {
        if (fail) throw new StationError('segment 3 of 720p does not decode', 'verify-failed');
        return 'done';
      },
    });
    const [job] = await q.add(['/m/f.mov']);
    const failed = await q.waitFor(job!.id);
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatchObject({ stage: 'verify', message: 'segment 3 of 720p does not decode' });
    expect(failed.stages.transcode).toMatchObject({ state: 'pending', detail: 'stopped: verify failed' });
    expect(failed.stages.verify.state).toBe('failed');
    fail = false;
    await q.retry(job!.id);
    expect((await q.waitFor(job!.id)).state).toBe('done');
    // Both ran again (verify's retry names transcode too); nothing before the claim did.
    expect(log.filter((l) => l === 'f:transcode')).toHaveLength(2);
    expect(log.filter((l) => l === 'f:verify')).toHaveLength(2);
    expect(log.filter((l) => l === 'f:probe')).toHaveLength(1);
  });

  it('pause stops every running stage; resume runs them again; a crash leaves them pending for the next open', async () => {
    const log: string[] = [];
    const dir = await tmp();
    const q = await open(dir, log, { transcode: untilAborted, verify: untilAborted });
    const [job] = await q.add(['/m/p.mov']);
    await vi.waitFor(() => expect(log).toEqual(expect.arrayContaining(['p:transcode', 'p:verify'])));
    await q.pause(job!.id);
    const paused = q.get(job!.id)!;
    expect(paused.state).toBe('paused');
    expect([paused.stages.transcode.state, paused.stages.verify.state, paused.stages.uploadOrigin.state]).toEqual([
      'pending',
      'pending',
      'done',
    ]);
    await q.resume(job!.id);
    await vi.waitFor(() => expect(log.filter((l) => l === 'p:verify')).toHaveLength(2));
    // "kill -9" now: the next queue on the same journal resumes both, nothing else.
    const log2: string[] = [];
    const q2 = await open(dir, log2);
    expect((await q2.waitFor(job!.id)).state).toBe('done');
    expect(log2.sort()).toEqual(['p:audit', 'p:report', 'p:transcode', 'p:verify']);
  });
});

describe('content overrides (the Master tab)', () => {
  it('a held title takes them (kept in the journal); a planned one is planned again; once claimed they are refused with the way out', async () => {
    const dir = await tmp();
    const log: string[] = [];
    const q = await openQueue(dir, log);
    const [held] = await q.add(['/m/held.mov'], {}, { hold: true });
    const snap = await q.setOverrides(held!.id, { crop: 'none', loudness: -16 });
    expect(snap.overrides).toEqual({ crop: 'none', loudness: -16 });
    await q.resume(held!.id);
    expect((await q.waitFor(held!.id)).state).toBe('done');
    expect(q.get(held!.id)!.overrides).toEqual({ crop: 'none', loudness: -16 });
    await expect(q.setOverrides(held!.id, {})).rejects.toThrow(
      /can no longer change: its encode has begun with them\. Cancel it, add the master again with Hold/,
    );
    // Paused after its plan, before the claim: planned again when it resumes.
    const [second] = await q.add(['/m/second.mov'], {}, { hold: true });
    const rec = q.get(second!.id)!;
    rec.stages.analyse = { state: 'done', fraction: 1 };
    rec.stages.plan = { state: 'done', fraction: 1 };
    await q.setOverrides(second!.id, { ivtc: 'off' });
    expect(q.get(second!.id)!.stages.plan.state).toBe('pending');
    const reopened = await openQueue(dir, []);
    expect(reopened.get(second!.id)!.overrides).toEqual({ ivtc: 'off' });
  });
});
