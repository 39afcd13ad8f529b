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
  const name =
    spec.name ??
    `master-${width}x${height}-${fps}-${seconds}s-${audio ? 'a' : 'na'}${audioExtraSec ? `+${audioExtraSec}` : ''}-${codec}.${ext}`;
  const out = join(dir, name);
  try {
    if ((await stat(out)).size > 0) return out;
  } catch {
    /* not made yet */
  }
  await mkdir(dir, { recursive: true });
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=s=${width}x${height}:r=${fps}:d=${seconds}`,
  ];
  if (audio) args.push('-f', 'lavfi', '-i', `sine=f=440:sample_rate=48000:d=${seconds + audioExtraSec}`);
  args.push(
    ...(codec === 'prores' ? ['-c:v', 'prores'] : ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p']),
  );
  if (audio) args.push('-c:a', codec === 'prores' ? 'pcm_s16le' : 'aac', ...(audioExtraSec ? [] : ['-shortest']));
  const tmp = `${out}.${process.pid}.tmp.${ext}`;
  args.push(tmp);
  await run('ffmpeg', args, { timeout: 120_000 });
  const { rename } = await import('node:fs/promises');
  await rename(tmp, out);
  return out;
}

/**
 * A library master in `dir`: Film.mp4 (6 s 320×240) with French audio (440 Hz, default), an English
 * audio description (660 Hz, visual-impaired) and an English SDH mov_text track whose second cue
 * spans the 4 s boundary; beside it Film.de.srt and Film.es.vtt (a cue across 2 s), and extra.srt
 * (no language in its name, for --captions extra.srt:it).
 */
export async function makeLibraryMaster(dir: string, opts: { seconds?: number; size?: string } = {}): Promise<string> {
  const d = opts.seconds ?? 6;
  const { writeFile } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  const embedded = join(dir, 'embedded.srt');
  await writeFile(
    embedded,
    '1\n00:00:01,000 --> 00:00:02,500\nHello\n\n2\n00:00:03,500 --> 00:00:04,500\nAcross the boundary\n',
  );
  const film = join(dir, 'Film.mp4');
  await run(
    'ffmpeg',
    [
      '-hide_banner',
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=s=${opts.size ?? '320x240'}:r=24:d=${d}`,
      '-f',
      'lavfi',
      '-i',
      `sine=f=440:sample_rate=48000:d=${d}`,
      '-f',
      'lavfi',
      '-i',
      `sine=f=660:sample_rate=48000:d=${d}`,
      '-i',
      embedded,
      '-map',
      '0',
      '-map',
      '1',
      '-map',
      '2',
      '-map',
      '3',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-c:s',
      'mov_text',
      '-metadata:s:a:0',
      'language=fra',
      '-metadata:s:a:1',
      'language=eng',
      '-metadata:s:s:0',
      'language=eng',
      '-disposition:a:0',
      'default',
      '-disposition:a:1',
      'visual_impaired',
      '-disposition:s:0',
      'hearing_impaired',
      film,
    ],
    { timeout: 120_000 },
  );
  await writeFile(
    join(dir, 'Film.de.srt'),
    '1\n00:00:00,500 --> 00:00:01,500\nHallo\n\n2\n00:00:02,200 --> 00:00:03,000\nZweite\n',
  );
  await writeFile(
    join(dir, 'Film.es.vtt'),
    'WEBVTT\n\n00:00:01.500 --> 00:00:02.500\nCruza el límite\n\n00:00:04.200 --> 00:00:05.000\nOtra\n',
  );
  await writeFile(join(dir, 'extra.srt'), '1\n00:00:00,200 --> 00:00:00,900\nCiao\n');
  return film;
}
