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

/**
 * Masters for the content analysis (issue 26), each a few seconds at 640×360 in a .mov with PCM
 * sound (exact levels: clipping stays flat-topped, loudness is what was generated). The picture is
 * testsrc2 softened (gblur σ 2: unblurred, its fine patterns read as combing to idet even when
 * progressive); the sound is low-passed white noise (AAC keeps all of it, so a loudness measured
 * after the encode is the mix's own) with a slow swell, at a chosen loudness.
 *  - telecined: 23.976 film pulled down 3:2 to 29.97, flagged progressive;
 *  - interlaced: 50p woven into 25i (top field first), flagged progressive;
 *  - mixed: 6 s of telecined film, then 3 s of 29.97i video;
 *  - pillarbox: a 4:3 picture (480×360) in the 16:9 frame; letterbox: 2.39 (640×268);
 *  - credits: 6 s letterboxed 2.39 film, then 4 s of credits (white lines on black, inside the
 *    film's picture area): the bars come and go;
 *  - quiet (−41 LUFS), hot (−14 LUFS), near-silent (−80 dBFS noise: below the loudness gate);
 *  - peaky: −27 LUFS whose 4 ms clicks peak at −4.5 dBTP — the gain to −24 needs the limiter;
 *  - qc: 24 s with clipped sound at 2–3 s, black at 6–10 s, a frozen picture at 12–16 s,
 *    silence at 18–21.5 s and super-whites (luma × 1.4) at 20–22 s;
 *  - clean: progressive, full frame, −24 LUFS.
 */
export type ContentMasterKind =
  | 'telecined'
  | 'interlaced'
  | 'mixed'
  | 'pillarbox'
  | 'letterbox'
  | 'credits'
  | 'quiet'
  | 'hot'
  | 'near-silent'
  | 'peaky'
  | 'qc'
  | 'clean';

const film = (size: string, rate: string, d: number): string => `testsrc2=s=${size}:r=${rate}:d=${d},gblur=sigma=2`;
/** Low-passed white noise of amplitude a, swelling slowly (stereo). */
const mix = (a: number, d: number): string =>
  `anoisesrc=a=${a}:c=white:r=48000:d=${d}:seed=26,lowpass=f=8000,volume='0.8+0.2*sin(2*PI*t/3)':eval=frame,aformat=channel_layouts=stereo`;
/** Amplitudes measured for these loudnesses (BS.1770, ±0.5 LU). */
const LUFS_AMPLITUDE = { '-41': 0.0238, '-24': 0.168, '-14': 0.53 } as const;

function contentGraph(kind: ContentMasterKind): { inputs: string[]; graph: string; seconds: number } {
  const clean = mix(LUFS_AMPLITUDE['-24'], 6);
  switch (kind) {
    case 'telecined':
      return { inputs: [film('640x360', '24000/1001', 6), clean], graph: '[0:v]telecine=pattern=23[v]', seconds: 6 };
    case 'interlaced':
      return { inputs: [film('640x360', '50', 6), clean], graph: '[0:v]tinterlace=mode=interleave_top[v]', seconds: 6 };
    case 'mixed': {
      const tb = 'settb=1/30000,setpts=N*1001/30000/TB';
      return {
        inputs: [film('640x360', '24000/1001', 6), film('640x360', '60000/1001', 3), mix(LUFS_AMPLITUDE['-24'], 9)],
        graph: `[0:v]telecine=pattern=23,${tb}[a];[1:v]tinterlace=mode=interleave_top,setsar=1,${tb}[b];[a][b]concat=n=2,${tb}[v]`,
        seconds: 9,
      };
    }
    case 'pillarbox':
      return { inputs: [film('480x360', '24', 6), clean], graph: '[0:v]pad=640:360:80:0:black[v]', seconds: 6 };
    case 'letterbox':
      return { inputs: [film('640x268', '24', 6), clean], graph: '[0:v]pad=640:360:0:46:black[v]', seconds: 6 };
    case 'credits': {
      const lines = [140, 170, 200]
        .map((y, i) => `drawbox=x=${200 + i * 20}:y=${y}:w=${240 - i * 40}:h=10:color=white:t=fill`)
        .join(',');
      return {
        inputs: [film('640x268', '24', 6), `color=c=black:s=640x360:r=24:d=4,${lines}`, mix(LUFS_AMPLITUDE['-24'], 10)],
        graph: '[0:v]pad=640:360:0:46:black,setsar=1[a];[1:v]format=yuv420p,setsar=1[b];[a][b]concat=n=2[v]',
        seconds: 10,
      };
    }
    case 'quiet':
      return { inputs: [film('640x360', '24', 6), mix(LUFS_AMPLITUDE['-41'], 6)], graph: '[0:v]null[v]', seconds: 6 };
    case 'hot':
      return { inputs: [film('640x360', '24', 6), mix(LUFS_AMPLITUDE['-14'], 6)], graph: '[0:v]null[v]', seconds: 6 };
    case 'near-silent':
      return { inputs: [film('640x360', '24', 6), mix(0.0001, 6)], graph: '[0:v]null[v]', seconds: 6 };
    case 'peaky':
      return {
        inputs: [
          film('640x360', '24', 6),
          mix(0.06, 6),
          "sine=f=1000:r=48000:d=6,asetnsamples=n=240,volume='if(lt(mod(t,1),0.004),6.4,0)':eval=frame,aformat=channel_layouts=stereo",
        ],
        graph: '[0:v]null[v];[1:a][2:a]amix=inputs=2:normalize=0[a]',
        seconds: 6,
      };
    case 'qc':
      return qcGraph();
    case 'clean':
      return { inputs: [film('640x360', '24', 6), clean], graph: '[0:v]null[v]', seconds: 6 };
  }
}

/** 24 s: clipped 2–3 s, black 6–10 s, frozen 12–16 s (the frame at 12 s held), silent 18–21.5 s, too bright 20–22 s. */
function qcGraph(): { inputs: string[]; graph: string; seconds: number } {
  const cut = (label: string, from: number, to: number, out: string): string =>
    `[${label}]trim=${from}:${to},setpts=PTS-STARTPTS[${out}]`;
  return {
    inputs: [
      film('640x360', '24', 24),
      'color=c=black:s=640x360:r=24:d=4,format=yuv420p',
      mix(LUFS_AMPLITUDE['-24'], 24),
      'sine=f=440:r=48000:d=24',
    ],
    graph: [
      '[0:v]split=4[p1][p2][p3][p4]',
      cut('p1', 0, 6, 's1'),
      '[1:v]setpts=PTS-STARTPTS[s2]',
      cut('p2', 10, 12, 's3'),
      '[p4]trim=start_frame=288:end_frame=289,setpts=PTS-STARTPTS,loop=loop=95:size=1:start=0,setpts=N/24/TB[s4]',
      cut('p3', 16, 24, 's5'),
      "[s1][s2][s3][s4][s5]concat=n=5,lutyuv=y=val*1.4:enable='between(t,20,22)'[v]",
      "[2:a]volume='if(between(t,18,21.5),0,1)':eval=frame[n]",
      "[3:a]volume='if(between(t,2,3),16,0)':eval=frame,aformat=channel_layouts=stereo[c]",
      '[n][c]amix=inputs=2:normalize=0[a]',
    ].join(';'),
    seconds: 24,
  };
}

export async function makeContentMaster(kind: ContentMasterKind, dir = MASTERS_DIR): Promise<string> {
  const out = join(dir, `content-${kind}.mov`);
  try {
    if ((await stat(out)).size > 0) return out;
  } catch {
    /* not made yet */
  }
  await mkdir(dir, { recursive: true });
  const { inputs, graph, seconds } = contentGraph(kind);
  const audioInput = kind === 'qc' || kind === 'peaky' ? undefined : inputs.length - 1;
  const graphWithAudio = audioInput === undefined ? graph : `${graph};[${audioInput}:a]anull[a]`;
  const tmp = `${out}.${process.pid}.tmp.mov`;
  await run(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      ...inputs.flatMap((i) => ['-f', 'lavfi', '-i', i]),
      '-filter_complex',
      graphWithAudio,
      '-map',
      '[v]',
      '-map',
      '[a]',
      '-t',
      String(seconds),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      // Old transfers say "progressive" whatever their fields are: so do these.
      '-field_order',
      'progressive',
      '-c:a',
      'pcm_s16le',
      tmp,
    ],
    { timeout: 180_000 },
  );
  const { rename } = await import('node:fs/promises');
  await rename(tmp, out);
  return out;
}
