/**
 * Measuring a picture independently of the analysis that decided about it: idet's verdict on
 * combing and ffprobe's frame rate and size (the content tests on generated masters and on the
 * pipeline's packages).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** idet's verdict on a file: the share of frames it calls combed (multi-frame decision). */
export async function combedShare(path: string): Promise<number> {
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-nostdin', '-i', path, '-vf', 'idet', '-f', 'null', '-']);
  const m = /Multi frame detection: TFF:\s*(\d+) BFF:\s*(\d+) Progressive:\s*(\d+) Undetermined:\s*(\d+)/.exec(
    stderr
      .split('\n')
      .filter((l) => l.includes('Multi frame'))
      .at(-1) ?? '',
  );
  if (!m) throw new Error(`no idet summary in: ${stderr.slice(-500)}`);
  const [tff, bff, prog] = m.slice(1, 4).map(Number) as [number, number, number];
  return (tff + bff) / (tff + bff + prog);
}

/** The first video stream's frame rate (as ffprobe writes it), size and sample aspect ratio. */
export async function videoOf(path: string): Promise<{ rate: string; width: number; height: number; sar: string }> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=r_frame_rate,width,height,sample_aspect_ratio',
    '-of',
    'json',
    path,
  ]);
  const s = JSON.parse(stdout).streams[0];
  return { rate: s.r_frame_rate, width: s.width, height: s.height, sar: s.sample_aspect_ratio ?? '1:1' };
}
