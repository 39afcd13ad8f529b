/**
 * Benchmark: verify a 60 s 1080p 3-rung package (+ AAC) against doing the same by hand in the same
 * run — `sha256sum` of every file + one `ffmpeg -f null` decode per rendition (init + segments on
 * stdin), run one after another as an operator would. Target: station ≤ 1.1× the manual baseline.
 */
import { describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { probeMaster } from '../../electron/engine/probe/probe-master';
import { verifyPackage } from '../../electron/engine/verify/verify-package';
import { listPackageFiles } from '../../electron/engine/verify/playlists';
import { makeMaster } from '../helpers/masters';
import { packageOnly, tempDir } from '../helpers/station';

const run = promisify(execFile);

async function decodeByHand(dir: string, rendition: string): Promise<void> {
  const files = (await readdir(join(dir, rendition))).sort();
  const init = files.find((f) => f.startsWith('init'))!;
  const segs = files.filter((f) => f.endsWith('.m4s'));
  const ff = spawn('ffmpeg', ['-v', 'error', '-i', 'pipe:0', '-f', 'null', '-'], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  for (const f of [init, ...segs])
    for await (const c of createReadStream(join(dir, rendition, f)))
      if (!ff.stdin.write(c)) await once(ff.stdin, 'drain');
  ff.stdin.end();
  await once(ff, 'close');
}

async function manualBaseline(dir: string): Promise<void> {
  const files = await listPackageFiles(dir);
  await run('sha256sum', files, { cwd: dir, maxBuffer: 64 << 20 });
  for (const r of ['1080p', '720p', '360p', 'audio/aac-und']) await decodeByHand(dir, r);
}

describe('verify benchmark', () => {
  it('station verify vs sha256sum + ffmpeg -f null per rendition', async () => {
    const dir = await tempDir('bench-verify-');
    const master = await makeMaster({
      seconds: 60,
      width: 1920,
      height: 1080,
      codec: 'libx264',
      name: 'bench-1080p-60s.mp4',
    });
    const media = (await probeMaster(master, { ffprobePath: 'ffprobe' })).media;
    const profile = join(dir, 'bench-profile.json');
    await writeFile(
      profile,
      JSON.stringify({
        rungs: [
          { height: 1080, kbps: 5000 },
          { height: 720, kbps: 3000 },
          { height: 360, kbps: 800 },
        ],
        audioKbps: 128,
      }),
    );
    const pkg = (await packageOnly(master, join(dir, 'work'), { profile, segmentSeconds: 6 })).packageDir!;
    await rm(join(pkg, 'manifest.json'));
    const info = {
      title: 'bench',
      source: { path: master, size: media.sizeBytes, mtimeMs: 0, durationSec: media.durationSec },
      encoder: 'libx264',
    };

    // Warm the page cache for both contenders, then alternate them to spread the machine's noise.
    await manualBaseline(pkg);
    const times = { station: [] as number[], manual: [] as number[] };
    for (let round = 0; round < 3; round++) {
      let t = performance.now();
      const r = await verifyPackage({ packageDir: pkg, ffprobePath: 'ffprobe', mode: 'write', info });
      times.station.push(performance.now() - t);
      expect(r.problems).toEqual([]);
      t = performance.now();
      await manualBaseline(pkg);
      times.manual.push(performance.now() - t);
      await rm(join(pkg, 'manifest.json'));
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[1]!;
    const station = median(times.station);
    const manual = median(times.manual);
    console.log(
      `verify 60 s 1080p, 3 rungs + AAC (${(await listPackageFiles(pkg)).length} files): station ${(station / 1000).toFixed(2)} s, ` +
        `manual sha256sum + ffmpeg -f null per rendition ${(manual / 1000).toFixed(2)} s → ratio ${(station / manual).toFixed(2)}× (target ≤ 1.10×)`,
    );
    await rm(dir, { recursive: true, force: true });
  });
});
