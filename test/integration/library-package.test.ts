/**
 * Library-ready packages from real masters through `ingest-station transcode`: every audio
 * language as its own rendition (BCP 47, its own name, the described track marked), captions from
 * an embedded mov_text track and from .srt/.vtt sidecars cut by the station (a cue across a
 * boundary in both segments, X-TIMESTAMP-MAP in each), exact CODECS, I-frame playlists whose byte
 * ranges decode as a keyframe, an SD master that keeps its 480 lines, and bad caption files named.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import HLS from 'hls-parser';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/station';
import { makeLibraryMaster } from '../helpers/masters';
import type { Manifest } from '../../electron/common/manifest';

const run = promisify(execFile);

let dir: string;
let pkg: string;
let master: HLS.types.MasterPlaylist;
let json: {
  renditions: Array<{
    type: string;
    name: string;
    language?: string;
    label?: string;
    default?: boolean;
    describesVideo?: boolean;
    sdh?: boolean;
  }>;
};

beforeAll(async () => {
  dir = await tempDir('ingest-library-');
  const film = await makeLibraryMaster(dir);
  pkg = join(dir, 'pkg');
  const r = await runCli(
    [
      'transcode',
      film,
      '--out',
      pkg,
      '--profile',
      'preview',
      '--segment',
      '2',
      '--captions',
      `${join(dir, 'extra.srt')}:it`,
      '--json',
    ],
    dir,
  );
  expect(r.code, r.stderr).toBe(0);
  json = JSON.parse(r.stdout);
  master = HLS.parse(await readFile(join(pkg, 'master.m3u8'), 'utf8')) as HLS.types.MasterPlaylist;
});

const mediaLines = async (): Promise<string[]> =>
  (await readFile(join(pkg, 'master.m3u8'), 'utf8')).split('\n').filter((l) => l.startsWith('#EXT-X-MEDIA:'));

describe('audio renditions', () => {
  it('one per language, encoded once: LANGUAGE in BCP 47, NAME in its own words, DEFAULT on the first main track, VI described', async () => {
    const audio = (await mediaLines()).filter((l) => l.includes('TYPE=AUDIO'));
    expect(audio).toEqual([
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",LANGUAGE="fr",NAME="Français",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/aac-fr/index.m3u8"',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",LANGUAGE="en",NAME="English (AD)",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2",CHARACTERISTICS="public.accessibility.describes-video",URI="audio/aac-en-ad/index.m3u8"',
    ]);
    // Each language holds its own sound: the French track is the 440 Hz tone, the English one 660 Hz.
    for (const [name, hz] of [
      ['aac-fr', 440],
      ['aac-en-ad', 660],
    ] as const) {
      const files = HLS.parse(
        await readFile(join(pkg, 'audio', name, 'index.m3u8'), 'utf8'),
      ) as HLS.types.MediaPlaylist;
      const whole = join(dir, `${name}.mp4`);
      await writeFile(
        whole,
        Buffer.concat([
          await readFile(join(pkg, 'audio', name, 'init.mp4')),
          ...(await Promise.all(files.segments.map((s) => readFile(join(pkg, 'audio', name, s.uri))))),
        ]),
      );
      expect(Math.abs((await dominantHz(whole)) - hz)).toBeLessThan(hz * 0.02);
    }
    expect(
      json.renditions
        .filter((r) => r.type === 'audio')
        .map((r) => [r.name, r.language, r.default, r.describesVideo ?? false]),
    ).toEqual([
      ['aac-fr', 'fr', true, false],
      ['aac-en-ad', 'en', false, true],
    ]);
  });

  it('variants name their exact codecs (from the encoded streams), the audio and subtitle groups, and no 608 captions', () => {
    const variants = master.variants.filter((v) => !v.isIFrameOnly);
    expect(variants.length).toBeGreaterThan(0);
    for (const v of variants) {
      expect(v.codecs).toMatch(/^avc1\.64[0-9a-f]{4},mp4a\.40\.2$/);
      expect(v.audio.map((a) => a.groupId)).toEqual(['aac', 'aac']);
      expect(v.subtitles.map((s) => s.groupId)).toEqual(['subs', 'subs', 'subs', 'subs']);
      expect(v.closedCaptions).toEqual([]);
    }
  });
});

describe('captions', () => {
  it('sidecars and the embedded mov_text track become WebVTT renditions with their languages and flags', async () => {
    const subs = (await mediaLines()).filter((l) => l.includes('TYPE=SUBTITLES'));
    expect(subs).toEqual([
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="it",NAME="Italiano",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="subs/it/index.m3u8"',
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="de",NAME="Deutsch",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="subs/de/index.m3u8"',
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="es",NAME="Español",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="subs/es/index.m3u8"',
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en",NAME="English (SDH)",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,CHARACTERISTICS="public.accessibility.transcribes-spoken-dialog,public.accessibility.describes-music-and-sound",URI="subs/en-sdh/index.m3u8"',
    ]);
  });

  it('a cue across a segment boundary is in both segments, with its own times; every segment maps its clock to the video', async () => {
    const seg = (r: string, i: number) => readFile(join(pkg, 'subs', r, `seg_0000${i}.vtt`), 'utf8');
    // es: 00:00:01.500 --> 00:00:02.500 spans the 2 s boundary.
    for (const i of [0, 1]) expect(await seg('es', i)).toContain('00:00:01.500 --> 00:00:02.500\nCruza el límite');
    expect(await seg('es', 2)).not.toContain('Cruza');
    // The embedded track's cue 3.5–4.5 s spans the 4 s boundary.
    for (const i of [1, 2])
      expect(await seg('en-sdh', i)).toContain('00:00:03.500 --> 00:00:04.500\nAcross the boundary');
    for (const r of ['it', 'de', 'es', 'en-sdh']) {
      for (const i of [0, 1, 2])
        expect(await seg(r, i)).toMatch(/^WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:\d+,LOCAL:00:00:00\.000\n/);
    }
    // One clock for the whole title: every segment of every track carries the same map (the
    // browser test checks against hls.js that it puts each cue at its time).
    const maps = new Set<string>();
    for (const r of ['it', 'de', 'es', 'en-sdh'])
      for (const i of [0, 1, 2]) maps.add(/X-TIMESTAMP-MAP=\S+/.exec(await seg(r, i))![0]);
    expect(maps.size).toBe(1);
  });

  it('the manifest lists subtitle segments and renditions; nothing ffmpeg-segmented is left', async () => {
    const m = JSON.parse(await readFile(join(pkg, 'manifest.json'), 'utf8')) as Manifest;
    expect(m.files.filter((f) => f.rendition === 'subs/es' && f.kind === 'segment').map((f) => f.path)).toEqual([
      'subs/es/seg_00000.vtt',
      'subs/es/seg_00001.vtt',
      'subs/es/seg_00002.vtt',
    ]);
    expect(m.renditions?.filter((r) => r.type === 'subtitles').map((r) => `${r.name}:${r.language}`)).toEqual([
      'it:it',
      'de:de',
      'es:es',
      'en-sdh:en',
    ]);
    const v = await runCli(['verify', pkg], dir);
    expect(v.code, v.stderr).toBe(0);
  });
});

describe('I-frame playlists', () => {
  it('every byte range starts at its fragment and decodes, with the init segment, as one keyframe', async () => {
    const iframe = master.variants.find((v) => v.isIFrameOnly)!;
    const rung = iframe.uri.split('/')[0]!;
    const pl = HLS.parse(await readFile(join(pkg, iframe.uri), 'utf8')) as HLS.types.MediaPlaylist;
    expect(pl.isIFrame).toBe(true);
    const init = await readFile(join(pkg, rung, 'init.mp4'));
    expect(pl.segments.length).toBe(3);
    for (const s of pl.segments) {
      const range = s.byterange!;
      const fh = await open(join(pkg, rung, s.uri));
      const bytes = Buffer.alloc(range.length);
      await fh.read(bytes, 0, range.length, range.offset ?? 0);
      await fh.close();
      const probe = join(dir, 'iframe.mp4');
      await writeFile(probe, Buffer.concat([init, bytes]));
      const { stdout } = await run('ffprobe', [
        '-v',
        'quiet',
        '-select_streams',
        'v:0',
        '-show_entries',
        'frame=key_frame,pict_type',
        '-of',
        'csv=p=0',
        probe,
      ]);
      expect(stdout.trim().split('\n')[0], `${s.uri} @${range.offset}+${range.length}`).toMatch(/^1,I\b/);
    }
  });
});

describe('picture and sound on one clock', () => {
  it('a flash and a click at 2.000 s in the master are presented together in the package (audio and video come from separate processes)', async () => {
    const m = join(dir, 'sync.mov');
    await run('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      "color=black:s=320x240:r=24:d=4,drawbox=c=white:t=fill:enable='eq(n,48)'",
      '-f',
      'lavfi',
      '-i',
      "aevalsrc='if(between(t,2,2.02),sin(2*PI*1000*t),0)':s=48000:d=4",
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'pcm_s16le',
      m,
    ]);
    for (const format of ['fmp4', 'ts'] as const) {
      const out = join(dir, `sync-${format}`);
      const r = await runCli(
        ['transcode', m, '--out', out, '--profile', 'preview', '--segment', '2', '--format', format],
        dir,
      );
      expect(r.code, r.stderr).toBe(0);
      const flash = await flashAt(await whole(out, '240p', format), format);
      const click = await clickAt(await whole(out, 'audio/aac-und', format), format);
      expect(
        Math.abs(flash - click),
        `${format}: flash at ${flash.toFixed(4)} s, click at ${click.toFixed(4)} s`,
      ).toBeLessThan(0.005);
    }
  });
});

/** A rendition as one file (init + every segment, as a player appends them). */
async function whole(pkgDir: string, rendition: string, format: 'fmp4' | 'ts'): Promise<string> {
  const pl = HLS.parse(await readFile(join(pkgDir, rendition, 'index.m3u8'), 'utf8')) as HLS.types.MediaPlaylist;
  const parts = await Promise.all(
    [...(format === 'fmp4' ? ['init.mp4'] : []), ...pl.segments.map((s) => s.uri)].map((f) =>
      readFile(join(pkgDir, rendition, f)),
    ),
  );
  const file = join(pkgDir, `${rendition.replace(/\//g, '-')}.whole.${format === 'fmp4' ? 'mp4' : 'ts'}`);
  await writeFile(file, Buffer.concat(parts));
  return file;
}

/**
 * How a player presents fMP4: decode time + composition offset, as the fragments say (MSE does not
 * apply the init's edit list; ffmpeg would, and drop the leading empty edit): read them raw.
 */
const asPlayers = (format: 'fmp4' | 'ts'): string[] => (format === 'fmp4' ? ['-ignore_editlist', '1'] : []);

/** Presentation time of the brightest frame. */
async function flashAt(file: string, format: 'fmp4' | 'ts'): Promise<number> {
  // -copyts: the file's own timestamps (ffmpeg would otherwise start every output at 0).
  const { stdout } = await run('ffmpeg', [
    '-v',
    'error',
    ...asPlayers(format),
    '-i',
    file,
    '-copyts',
    '-vf',
    'signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=-',
    '-f',
    'null',
    '-',
  ]);
  let best = { y: -1, t: 0 };
  let t = 0;
  for (const line of stdout.split('\n')) {
    const pts = /pts_time:([\d.]+)/.exec(line);
    if (pts) t = Number(pts[1]);
    const y = /YAVG=([\d.]+)/.exec(line);
    if (y && Number(y[1]) > best.y) best = { y: Number(y[1]), t };
  }
  return best.t;
}

/** Presentation time of the first loud sample (the stream's start time + its position). */
async function clickAt(file: string, format: 'fmp4' | 'ts'): Promise<number> {
  const start = Number(
    (
      await run('ffprobe', [
        '-v',
        'error',
        ...asPlayers(format),
        '-select_streams',
        'a:0',
        '-show_entries',
        'stream=start_time',
        '-of',
        'csv=p=0',
        file,
      ])
    ).stdout
      .trim()
      .split('\n')[0],
  );
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', ...asPlayers(format), '-i', file, '-map', '0:a:0', '-ac', '1', '-ar', '48000', '-f', 's16le', '-'],
    { encoding: 'buffer', maxBuffer: 64 << 20 },
  );
  const samples = new Int16Array(stdout.buffer, stdout.byteOffset, Math.floor(stdout.length / 2));
  const i = samples.findIndex((v) => Math.abs(v) > 3000);
  return start + i / 48000;
}

describe('SD and caption problems', () => {
  it('an SD 720×480 16:9 master gets a 480-line top rung (not 360)', async () => {
    const sd = join(dir, 'sd.mov');
    await run('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=720x480:r=30000/1001:d=2',
      '-f',
      'lavfi',
      '-i',
      'sine=d=2',
      '-vf',
      'setsar=32/27',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      sd,
    ]);
    // The fixed ladder: the rungs' geometry is the point (per title, a 480p rung no better than 360p would go).
    const r = await runCli(
      ['transcode', sd, '--out', join(dir, 'sd-pkg'), '--segment', '2', '--ladder', 'fixed', '--json'],
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(
      (JSON.parse(r.stdout) as { ladder: { rungs: Array<{ width: number; height: number }> } }).ladder.rungs.map(
        (x) => `${x.width}x${x.height}`,
      ),
    ).toEqual(['854x480', '640x360']);
  });

  it('a caption file that is not UTF-8 rejects the master with the file named; overlapping cues only warn', async () => {
    const m = join(dir, 'bad', 'Bad.mp4');
    const { mkdir, copyFile } = await import('node:fs/promises');
    await mkdir(join(dir, 'bad'), { recursive: true });
    await copyFile(join(dir, 'Film.mp4'), m);
    await writeFile(
      join(dir, 'bad', 'Bad.fr.srt'),
      Buffer.from('1\n00:00:01,000 --> 00:00:02,000\nD\xe9j\xe0 vu\n', 'latin1'),
    );
    const r = await runCli(
      ['transcode', m, '--out', join(dir, 'bad-pkg'), '--profile', 'preview', '--segment', '2'],
      dir,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Bad\.fr\.srt: it is not UTF-8 text \(save it as UTF-8\)/);

    await writeFile(
      join(dir, 'bad', 'Bad.fr.srt'),
      '1\n00:00:01,000 --> 00:00:03,000\nUn\n\n2\n00:00:02,000 --> 00:00:04,000\nDeux\n',
    );
    const ok = await runCli(
      ['transcode', m, '--out', join(dir, 'bad-pkg'), '--profile', 'preview', '--segment', '2'],
      dir,
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/warning: Bad\.fr\.srt: 1 cue\(s\) overlap the one before \(first at 00:00:02\.000\)/);
  });
});

/** The strongest frequency of an audio file (ffmpeg's astats cannot say; a zero-crossing count can). */
async function dominantHz(path: string): Promise<number> {
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-i', path, '-map', '0:a:0', '-ac', '1', '-ar', '48000', '-f', 's16le', '-t', '2', '-'],
    { encoding: 'buffer', maxBuffer: 64 << 20 },
  );
  const samples = new Int16Array(stdout.buffer, stdout.byteOffset, Math.floor(stdout.length / 2));
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) crossings++;
  return crossings / 2 / (samples.length / 48000);
}
