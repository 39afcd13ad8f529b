/**
 * An encoder outlives the station that started it (Node leaves SIGPIPE ignored in its children and
 * ffmpeg ignores the failed `-progress` writes): the rerun must stop it before it encodes again —
 * and must leave alone a process that merely reuses a recorded pid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { reapOrphans } from '../../electron/engine/ffmpeg/orphans';
import { makeMaster } from '../helpers/masters';
import { tempDir } from '../helpers/station';
import { BIN, CLI_ENV, runCli } from '../helpers/cli';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('ingest-orphans-');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const cmdline = (pid: number): Promise<string> =>
  readFile(`/proc/${pid}/cmdline`, 'utf8').then(
    (t) => t.replaceAll('\0', ' '),
    () => '',
  );

async function records(root: string): Promise<Array<{ pid: number; tag: string }>> {
  const out = [];
  for (const e of await readdir(root, { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (e.isFile() && /^\.ffmpeg-\d+\.pid$/.test(e.name))
      out.push(
        JSON.parse(await readFile(join(e.parentPath, e.name), 'utf8').catch(() => '{}')) as {
          pid: number;
          tag: string;
        },
      );
  }
  return out;
}

describe('encoders left running by a killed station', () => {
  it.skipIf(process.platform !== 'linux')(
    'kill -9 of the CLI leaves its encoder running; the rerun stops it first and finishes the title',
    async () => {
      const source = await makeMaster({ seconds: 90, width: 1280, height: 720, name: 'orphan-master.mp4' }, dir);
      const jobs = join(CLI_ENV.XDG_CACHE_HOME!, 'ingest-station', 'transcode', 'jobs');
      const out = join(dir, 'pkg');
      const child = spawn(
        process.execPath,
        [BIN, 'transcode', source, '--out', out, '--segment', '4', '--ladder', 'fixed'],
        {
          env: CLI_ENV,
          stdio: 'ignore',
        },
      );
      let video: { pid: number; tag: string } | undefined;
      for (let i = 0; i < 600 && !video && child.exitCode === null; i++) {
        await sleep(50);
        video = (await records(jobs)).find((r) => /video-\d+$/.test(r.tag));
      }
      expect(video, 'the encoder was recorded in its run folder').toBeDefined();
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      await sleep(1000);
      // The problem, measured: the station is gone, its encoder is not.
      expect(alive(video!.pid) && (await cmdline(video!.pid)).includes(video!.tag)).toBe(true);

      const rerun = await runCli(
        ['transcode', source, '--out', out, '--segment', '4', '--ladder', 'fixed', '--json'],
        dir,
      );
      expect(rerun.code, rerun.stderr).toBe(0);
      expect((await cmdline(video!.pid)).includes(video!.tag), 'the orphan was stopped').toBe(false);
      expect(rerun.stdout + rerun.stderr).toMatch(
        new RegExp(`stopped \\d encoder process\\(es\\) the killed run left running \\(pid [^)]*\\b${video!.pid}\\b`),
      );
    },
    180_000,
  );

  it('a recorded pid now held by another program is left alone; the record goes', async () => {
    const runDir = join(dir, 'run');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(runDir, { recursive: true });
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await writeFile(join(runDir, `.ffmpeg-${other.pid}.pid`), JSON.stringify({ pid: other.pid, tag: runDir }));
      expect(await reapOrphans(dir)).toEqual([]);
      expect(alive(other.pid!)).toBe(true);
      expect(await records(dir)).toEqual([]);
      // The same process recorded with a tag its command line does carry is stopped.
      await writeFile(join(runDir, `.ffmpeg-${other.pid}.pid`), JSON.stringify({ pid: other.pid, tag: 'sleep 30' }));
      const exited = new Promise((r) => other.once('exit', r));
      expect(await reapOrphans(dir)).toEqual([other.pid]);
      await exited;
      expect(other.signalCode).toBe('SIGKILL');
    } finally {
      other.kill('SIGKILL');
    }
  });
});
