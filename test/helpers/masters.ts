/**
 * Test masters, generated at test time by ffmpeg's lavfi sources (nothing large is committed).
 * Cached per spec within a run so many tests can share one file.
 */
import { execFile } from 'node:child_process';
import { mkdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface MasterSpec {
  seconds?: number;
  width?: number;
  height?: number;
  fps?: number;
  audio?: boolean;
  codec?: 'libx264' | 'prores';
  name?: string;
  /** Audio longer than the picture by this much (ffmpeg then cuts a tiny audio tail segment). */
  audioExtraSec?: number;
}

export const MASTERS_DIR = join(tmpdir(), 'ingest-station-test-masters');

export async function makeMaster(spec: MasterSpec = {}, dir = MASTERS_DIR): Promise<string> {
  const { seconds = 6, width = 640, height = 360, fps = 24, audio = true, codec = 'libx264', audioExtraSec = 0 } = spec;
  const ext = codec === 'prores' ? 'mov' : 'mp4';
  const name = spec.name ?? `master-${width}x${height}-${fps}-${seconds}s-${audio ? 'a' : 'na'}${audioExtraSec ? `+${audioExtraSec}` : ''}-${codec}.${ext}`;
  const out = join(dir, name);
  try {
    if ((await stat(out)).size > 0) return out;
  } catch {
    /* not made yet */
  }
  await mkdir(dir, { recursive: true });
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=s=${width}x${height}:r=${fps}:d=${seconds}`];
  if (audio) args.push('-f', 'lavfi', '-i', `sine=f=440:sample_rate=48000:d=${seconds + audioExtraSec}`);
  args.push(...(codec === 'prores' ? ['-c:v', 'prores'] : ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p']));
  if (audio) args.push('-c:a', codec === 'prores' ? 'pcm_s16le' : 'aac', ...(audioExtraSec ? [] : ['-shortest']));
  const tmp = `${out}.${process.pid}.tmp.${ext}`;
  args.push(tmp);
  await run('ffmpeg', args, { timeout: 120_000 });
  const { rename } = await import('node:fs/promises');
  await rename(tmp, out);
  return out;
}
