/**
 * Inputs that are not what they claim, through the built CLI and the engine's own entries — each
 * case one row of docs/SECURITY.md's "Hostile cases":
 *  - a named pipe (FIFO) given as a master is refused at every entry (CLI ingest, transcode, upload,
 *    the drop's intake, the queue, a watch folder) before anything opens it (a real ffmpeg stuck on
 *    one is stopped by its stall watchdog: test/unit/ffmpeg.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { makeMaster } from '../helpers/masters';
import { tempDir } from '../helpers/station';
import { expandSources } from '../../electron/engine/intake';
import { WatchFolder } from '../../electron/engine/watch-folder';
import { JobQueue, type JobRecord } from '../../electron/engine/queue/job-queue';
import { JobStore } from '../../electron/engine/queue/job-store';
import { STAGES } from '../../electron/common/jobs';

let dir: string;
let fifo: string;
let config: string;

beforeAll(async () => {
  dir = await tempDir('ingest-hostile-inputs-');
  fifo = join(dir, 'incoming', 'Film.mov');
  await mkdir(join(dir, 'incoming'));
  execFileSync('mkfifo', [fifo]);
  config = join(dir, 'station.json');
  await writeFile(
    config,
    JSON.stringify({
      destinations: { out: { type: 'folder', path: join(dir, 'out') } },
      origin: 'out',
      workDir: join(dir, 'work'),
      profile: 'preview',
      segmentSeconds: 2,
    }),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const FIFO_REFUSED = /is a named pipe \(FIFO\), not a regular file/;

describe('a named pipe as a master', () => {
  it('CLI: ingest skips it, transcode and upload refuse it — at once, saying what it is', async () => {
    const ingest = await runCli(['ingest', fifo, '--config', config], dir, 30_000);
    expect(ingest.stderr).toMatch(/skipped .*Film\.mov: a named pipe \(FIFO\), not a regular file: refused before/);
    expect(ingest.code).toBe(1);
    const transcode = await runCli(['transcode', fifo, '--out', join(dir, 'pkg'), '--config', config], dir, 30_000);
    expect(transcode.stderr).toMatch(FIFO_REFUSED);
    expect(transcode.code).toBe(1);
    const upload = await runCli(['upload', fifo, '--dest', 'out', '--config', config], dir, 30_000);
    expect(upload.stderr).toMatch(FIFO_REFUSED);
    expect(upload.code).toBe(1);
  });

  it('the drop (intake), the queue and a watch folder refuse it; a real master beside it goes through', async () => {
    const dropped = await expandSources([fifo, join(dir, 'incoming')]);
    expect(dropped.files).toEqual([]);
    expect(dropped.skipped.map((s) => s.reason)).toEqual([
      'a named pipe (FIFO), not a regular file: refused before anything opened it',
      'a named pipe (FIFO), not a regular file: refused before anything opened it',
    ]);
    // The queue checks every master it is given (CLI transcode, farm workers, rebuilds) before anything opens it.
    await mkdir(join(dir, 'q'));
    const queue = await JobQueue.open(
      new JobStore<JobRecord>(join(dir, 'q', 'jobs.jsonl')),
      STAGES.map((name) => ({ name, run: async () => 'done' as const })),
    );
    await expect(queue.add([fifo])).rejects.toThrow(FIFO_REFUSED);
    await queue.close();

    const good = join(dir, 'incoming', 'Good.mp4');
    await copyFile(await makeMaster({ seconds: 2 }), good);
    const arrived: string[] = [];
    const watch = new WatchFolder({ path: join(dir, 'incoming'), stableMs: 0, onArrived: (p) => void arrived.push(p) });
    await watch.scan(0);
    await watch.scan(1);
    expect(arrived).toEqual([good]);
  });
});
