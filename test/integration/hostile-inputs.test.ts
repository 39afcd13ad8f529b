/**
 * Inputs that are not what they claim, through the built CLI and the engine's own entries — each
 * case one row of docs/SECURITY.md's "Hostile cases":
 *  - a named pipe (FIFO) given as a master is refused at every entry (CLI ingest, transcode, upload,
 *    the drop's intake, the queue, a watch folder) before anything opens it (a real ffmpeg stuck on
 *    one is stopped by its stall watchdog: test/unit/ffmpeg.test.ts);
 *  - a newline in a file name cannot forge a line of the CLI's output; a misspelt config key is a
 *    usage error naming the key it meant;
 *  - a second CLI on a work folder another one is using stops with a sentence naming who holds it
 *    (both used to run the same job); a dead holder's lock is taken over, and that is said.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BIN, CLI_ENV, runCli } from '../helpers/cli';
import { until } from '../helpers/until';
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

describe('two processes on one work folder', () => {
  it('the second says who holds the work folder and runs nothing; a dead holder’s lock is taken over, said', async () => {
    const master = join(dir, 'Lock.mp4');
    await copyFile(await makeMaster({ seconds: 12 }), master);
    const lock = join(dir, 'work', 'jobs.jsonl.lock');
    const first = spawn(process.execPath, [BIN, 'ingest', master, '--config', config], { env: CLI_ENV, cwd: dir });
    const firstDone = new Promise<number | null>((r) => first.once('exit', (code) => r(code)));
    await until('the first CLI to hold the work folder', async () => existsSync(lock), 30_000);
    const second = await runCli(['ingest', master, '--config', config], dir, 60_000);
    expect(second.stderr).toMatch(
      new RegExp(
        `The work folder ${join(dir, 'work')} is in use by pid ${first.pid} since \\S+ .*: wait for it to finish, or stop it first`,
      ),
    );
    expect(second.code).toBe(1);
    expect(await firstDone).toBe(0);
    expect(existsSync(lock)).toBe(false);

    // A holder killed -9 leaves its lock: the next run takes it over and says so.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    await writeFile(lock, JSON.stringify({ pid: dead, host: hostname(), since: '2026-01-01T00:00:00.000Z' }));
    const next = await runCli(['ingest', master, '--config', config], dir, 60_000);
    expect(next.stderr).toMatch(
      new RegExp(
        `was locked by pid ${dead} since 2026-01-01T00:00:00.000Z, which is no longer running: its lock was taken over`,
      ),
    );
    expect(next.code, next.stderr).toBe(0);
  });
});

describe('names and configs that lie', () => {
  it('a newline in a file name cannot forge a line of the output (probe, the final "done as" line)', async () => {
    const forged = join(dir, 'Film\nFAKE: done as stolen — 999 objects delivered.mp4');
    await copyFile(await makeMaster({ seconds: 2 }), forged);
    const probe = await runCli(['probe', forged], dir, 60_000);
    const ingest = await runCli(['ingest', forged, '--config', config], dir, 120_000);
    expect(ingest.code, ingest.stderr).toBe(0);
    for (const out of [probe.stderr, ingest.stderr]) {
      expect(out.split('\n').filter((l) => l.startsWith('FAKE'))).toEqual([]);
      expect(out).toContain('Film\\u000aFAKE: done as stolen');
    }
    expect(ingest.stderr).toMatch(
      /Film\\u000aFAKE: done as stolen — 999 objects delivered: done as film-fake-done-as-stolen/,
    );
  });

  it('a misspelt config key stops the CLI with the key it meant (exit 2), nothing run', async () => {
    const typo = join(dir, 'typo.json');
    const good = JSON.parse(await readFile(config, 'utf8')) as Record<string, unknown>;
    const { workDir, ...rest } = good;
    await writeFile(typo, JSON.stringify({ ...rest, workDri: workDir }));
    const r = await runCli(['ingest', join(dir, 'Lock.mp4'), '--config', typo], dir, 60_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/typo\.json is invalid: unknown key "workDri" \(did you mean "workDir"\?\)/);
  });
});
