import { PREVIEW } from '../helpers/station';
import { masterInputOptions } from '../../electron/engine/ffmpeg/input-guard';
import { describe, expect, it } from 'vitest';
import type { MediaInfo } from '../../electron/common/media';
import { NVENC_SESSION_CAP, applyNvencCap, planTranscode, type Rung } from '../../electron/engine/plan/plan';
import { buildVideoArgs, videoGaps } from '../../electron/engine/package/video-encoder';
import { buildAudioArgs } from '../../electron/engine/package/audio-encoder';
import { toMediaInfo } from '../../electron/engine/probe/media-info';
import { ladderProfilesSchema } from '../../electron/common/profile';
import profiles from '../../resources/ladder-profiles.json';
import { checkSpec } from '../../electron/engine/probe/spec-check';
import { deliverySpecSchema } from '../../electron/common/spec';
import defaultSpec from '../../resources/delivery-spec.json';

const media = (width: number, height: number, audio = true): MediaInfo => ({
  container: 'mov',
  durationSec: 60,
  sizeBytes: 1_000_000_000, // 60 s of ProRes 1080p: about 1 GB
  video: [{ index: 0, codec: 'prores', width, height, frameRate: { num: 24000, den: 1001 } }],
  audio: audio ? [{ index: 1, codec: 'pcm_s24le', channels: 6, sampleRate: 48000 }] : [],
  subtitles: [],
});

const DEFAULT = ladderProfilesSchema.parse(profiles).default!;
const ladder = (m: MediaInfo) =>
  planTranscode(m, { segmentSeconds: 6, profile: DEFAULT }).rungs.map((r) => `${r.width}x${r.height}`);

describe('plan (default profile)', () => {
  it('1080p source → 1080p, 720p, 540p, 360p; 16:9 kept, even sizes; no 2160p', () => {
    expect(ladder(media(1920, 1080))).toEqual(['1920x1080', '1280x720', '960x540', '640x360']);
  });
  it('2160p only from 2160p sources', () => {
    expect(ladder(media(3840, 2160))).toEqual(['3840x2160', '1920x1080', '1280x720', '960x540', '640x360']);
  });
  it('no rung above a 540p source', () => {
    expect(ladder(media(960, 540))).toEqual(['960x540', '640x360']);
  });
  it('a source below every rung gets one rung at its own size', () => {
    expect(ladder(media(320, 240))).toEqual(['320x240']);
  });
  it('odd source sizes give even rung sizes (x264 needs them)', () => {
    for (const r of planTranscode(media(1919, 1079), { segmentSeconds: 6, profile: DEFAULT }).rungs) {
      expect(r.width % 2).toBe(0);
      expect(r.height % 2).toBe(0);
    }
  });
  it('anamorphic pixels are widened to square ones; rotated masters are planned as displayed', () => {
    const dv = media(720, 576);
    dv.video[0]!.sar = { num: 64, den: 45 }; // PAL 16:9 anamorphic → 1024×576 displayed
    expect(ladder(dv)).toEqual(['1024x576', '960x540', '640x360']);
    const phone = media(1920, 1080);
    phone.video[0]!.rotation = 90;
    expect(ladder(phone)[0]).toBe('608x1080'); // portrait: rungs are by height, width follows the displayed aspect
  });
  it('frame rate kept, halved above 60; HDR tone-mapped; interlaced deinterlaced', () => {
    const fast = media(1920, 1080);
    fast.video[0]!.frameRate = { num: 120000, den: 1001 };
    expect(planTranscode(fast, { segmentSeconds: 6, profile: DEFAULT }).frameRate).toEqual({ num: 120000, den: 2002 });
    expect(planTranscode(media(1920, 1080), { segmentSeconds: 6, profile: DEFAULT }).frameRate).toBeUndefined();
    const hdr = media(1920, 1080);
    hdr.video[0]!.hdr = 'HDR10';
    hdr.video[0]!.fieldOrder = 'tt';
    const plan = planTranscode(hdr, { segmentSeconds: 6, profile: DEFAULT });
    expect(plan).toMatchObject({ tonemap: true, deinterlace: true });
    const a = buildVideoArgs({ ...plan, frameRate: { num: 60000, den: 1001 } }, '/w').outputOptions;
    expect(a[a.indexOf('-filter_complex') + 1]).toMatch(
      /^\[0:0\]yadif=mode=send_frame,zscale=t=linear.*tonemap=tonemap=hable.*zscale=t=bt709:m=bt709:r=tv,fps=60000\/1001,split=4/,
    );
  });
});

describe('ladder arguments', () => {
  it('one process: split to every rung, keyframes forced at segment boundaries only, cut at each one, our own playlists', () => {
    const plan = planTranscode(media(1920, 1080), { segmentSeconds: 4, profile: PREVIEW });
    const { outputOptions: a, output } = buildVideoArgs(plan, '/w/run');
    const arg = (k: string): string | undefined => a[a.indexOf(k) + 1];
    expect(arg('-filter_complex')).toBe(
      '[0:0]split=3[s0][s1][s2];[s0]scale=1280:720,setsar=1,format=yuv420p[v0];[s1]scale=640:360,setsar=1,format=yuv420p[v1];[s2]scale=320:180,setsar=1,format=yuv420p[v2]',
    );
    expect(arg('-force_key_frames')).toBe('expr:gte(t,n_forced*4)');
    expect(arg('-sc_threshold')).toBe('0');
    // The muxer cuts at every keyframe and only the forced ones exist (GOP far beyond a segment).
    expect(Number(arg('-hls_time'))).toBeLessThan(4);
    expect(Number(arg('-g:v:0'))).toBeGreaterThan(4 * 60);
    expect(arg('-hls_segment_type')).toBe('fmp4');
    expect(arg('-hls_flags')).toContain('temp_file');
    expect(a).not.toContain('-master_pl_name');
    expect(arg('-var_stream_map')).toBe('v:0,name:720p v:1,name:360p v:2,name:180p');
    expect(a.filter((x) => x === '-map')).toHaveLength(3);
    expect(a).not.toContain('-c:a');
    expect(arg('-color_trc')).toBe('bt709');
    expect(output).toBe('/w/run/%v/run.m3u8');
  });

  it('a resumed run seeks to the boundary, keeps the absolute keyframe instants and the numbering', () => {
    const plan = planTranscode(media(1920, 1080), { segmentSeconds: 6, profile: PREVIEW });
    const { inputOptions, outputOptions: a } = buildVideoArgs(plan, '/w/run', { from: 12, seek: 71.98 });
    expect(inputOptions.slice(-2)).toEqual(['-ss', '71.980000']);
    expect(a[a.indexOf('-force_key_frames') + 1]).toBe('expr:gte(t+71.980000,(n_forced+12)*6)');
    expect(a[a.indexOf('-start_number') + 1]).toBe('12');
    expect(a).not.toContain('-t');
    const gap = buildVideoArgs(plan, '/w/run', { from: 3, seek: 18, frames: 144 }).outputOptions;
    expect(gap[gap.indexOf('-frames:v') + 1]).toBe('144');
  });

  it('gaps: what the journal lacks — a rejected set alone, and the tail until the encode has ended', () => {
    const sets = (ids: number[]) => new Map(ids.map((i) => [i, []]));
    expect(videoGaps({ sets: sets([]), encodedSets: undefined })).toEqual([{ from: 0 }]);
    expect(videoGaps({ sets: sets([0, 1, 2]), encodedSets: undefined })).toEqual([{ from: 3 }]);
    expect(videoGaps({ sets: sets([0, 2, 3]), encodedSets: 4 })).toEqual([{ from: 1, to: 2 }]);
    expect(videoGaps({ sets: sets([0, 1, 2, 3]), encodedSets: 4 })).toEqual([]);
    expect(videoGaps({ sets: sets([0, 2]), encodedSets: undefined })).toEqual([{ from: 1, to: 2 }, { from: 3 }]);
  });

  it('audio in a pass of its own: every rendition once, AAC stereo', () => {
    const m = media(1920, 1080);
    m.audio = [
      { index: 1, codec: 'pcm_s24le', channels: 2, sampleRate: 48000, language: 'fra' },
      { index: 2, codec: 'pcm_s24le', channels: 2, sampleRate: 48000, language: 'eng' },
    ];
    const plan = planTranscode(m, { segmentSeconds: 6, profile: PREVIEW });
    const { outputOptions: a } = buildAudioArgs(plan, '/w/audio');
    expect(a.filter((x) => x === '-map')).toHaveLength(2);
    expect(a).toEqual(
      expect.arrayContaining(['-map', '0:1', '-c:a:0', 'aac', '-ac:a:0', '2', '-map', '0:2', '-c:a:1', 'aac']),
    );
    expect(a[a.indexOf('-var_stream_map') + 1]).toBe('a:0,name:aac-fr a:1,name:aac-en');
    expect(buildVideoArgs(plan, '/w').outputOptions).not.toContain('-c:a');
  });

  it('a master without audio plans no audio rendition', () => {
    expect(planTranscode(media(1280, 720, false), { segmentSeconds: 6, profile: PREVIEW }).audio).toEqual([]);
  });
});

describe('hardware encoders in the ladder', () => {
  const choice = (chosen: string) => ({ chosen, reason: `${chosen} passed its trial encode` });
  it('VAAPI: device opened before the input, frames uploaded at the end of every rung chain', () => {
    const { inputOptions, outputOptions: a } = buildVideoArgs(
      planTranscode(media(1920, 1080), { segmentSeconds: 6, profile: PREVIEW, encoder: choice('h264_vaapi') }),
      '/w',
    );
    // Devices first, then the guard every input of a master gets (only files, only master demuxers).
    expect(inputOptions).toEqual(['-vaapi_device', '/dev/dri/renderD128', ...masterInputOptions()]);
    expect(a[a.indexOf('-filter_complex') + 1]).toContain(
      '[s0]scale=1280:720,setsar=1,format=yuv420p,format=nv12,hwupload[v0]',
    );
    expect(a.slice(a.indexOf('-c:v:0'), a.indexOf('-c:v:0') + 2)).toEqual(['-c:v:0', 'h264_vaapi']);
  });
  it('QSV: a device and an upload filter; NVENC: per-rung options, no upload', () => {
    const qsv = buildVideoArgs(
      planTranscode(media(1920, 1080), { segmentSeconds: 6, profile: PREVIEW, encoder: choice('h264_qsv') }),
      '/w',
    );
    expect(qsv.inputOptions).toEqual(['-init_hw_device', 'qsv=hw', '-filter_hw_device', 'hw', ...masterInputOptions()]);
    const nv = buildVideoArgs(
      planTranscode(media(1920, 1080), { segmentSeconds: 6, profile: PREVIEW, encoder: choice('h264_nvenc') }),
      '/w',
    );
    expect(nv.inputOptions).toEqual(masterInputOptions());
    expect(nv.outputOptions).toEqual(
      expect.arrayContaining(['-c:v:1', 'h264_nvenc', '-preset:v:1', 'p5', '-rc:v:1', 'vbr']),
    );
    expect(nv.outputOptions.join(' ')).not.toContain('hwupload');
  });
  it('NVENC session cap: rungs beyond it are planned in software, and the reason says so', () => {
    const rungs: Rung[] = [1080, 720, 540, 360].map((h) => ({
      name: `${h}p`,
      width: (h * 16) / 9,
      height: h,
      videoKbps: 1000,
    }));
    const reason = applyNvencCap(rungs, choice('h264_nvenc'));
    expect(rungs.map((r) => r.encoder)).toEqual([undefined, undefined, undefined, 'libx264']);
    expect(reason).toBe(
      `h264_nvenc passed its trial encode; rungs beyond the first ${NVENC_SESSION_CAP} use libx264 (consumer NVENC session cap)`,
    );
    const plan = {
      ...planTranscode(media(1920, 1080), { segmentSeconds: 6, profile: PREVIEW, encoder: choice('h264_nvenc') }),
      rungs,
    };
    const a = buildVideoArgs(plan, '/w').outputOptions;
    expect(a.slice(a.indexOf('-c:v:3'), a.indexOf('-c:v:3') + 2)).toEqual(['-c:v:3', 'libx264']);
    expect(
      applyNvencCap(
        rungs.slice(0, 3).map((r) => ({ ...r, encoder: undefined })),
        choice('h264_vaapi'),
      ),
    ).toBe('h264_vaapi passed its trial encode');
  });
  it('libx264 keeps its preset per rung', () => {
    const { outputOptions: a } = buildVideoArgs(
      planTranscode(media(1920, 1080), { segmentSeconds: 6, profile: PREVIEW }),
      '/w',
    );
    expect(a).toEqual(expect.arrayContaining(['-c:v:0', 'libx264', '-preset:v:0', 'veryfast']));
  });
});

describe('ffprobe JSON → MediaInfo', () => {
  it('maps streams and ignores cover art', () => {
    const info = toMediaInfo(
      {
        format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '7.000000', bit_rate: '512000' },
        streams: [
          {
            index: 0,
            codec_type: 'video',
            codec_name: 'h264',
            profile: 'High',
            width: 1920,
            height: 1080,
            avg_frame_rate: '24000/1001',
            pix_fmt: 'yuv420p',
          },
          {
            index: 1,
            codec_type: 'audio',
            codec_name: 'aac',
            channels: 2,
            channel_layout: 'stereo',
            sample_rate: '48000',
            tags: { language: 'eng' },
          },
          {
            index: 2,
            codec_type: 'video',
            codec_name: 'mjpeg',
            width: 600,
            height: 600,
            disposition: { attached_pic: 1 },
          },
        ],
      },
      1234,
    );
    expect(info).toEqual({
      container: 'mov,mp4,m4a,3gp,3g2,mj2',
      durationSec: 7,
      sizeBytes: 1234,
      bitRate: 512000,
      video: [
        {
          index: 0,
          codec: 'h264',
          profile: 'High',
          width: 1920,
          height: 1080,
          frameRate: { num: 24000, den: 1001 },
          pixelFormat: 'yuv420p',
          bitDepth: 8,
        },
      ],
      audio: [{ index: 1, codec: 'aac', channels: 2, channelLayout: 'stereo', sampleRate: 48000, language: 'eng' }],
      subtitles: [],
    });
  });

  it('the default spec gives one reason for an unusable master', () => {
    const spec = deliverySpecSchema.parse(defaultSpec);
    const codes = (m: MediaInfo) =>
      checkSpec(m, spec)
        .findings.filter((f) => f.severity === 'error')
        .map((f) => f.code);
    expect(codes({ ...media(1920, 1080), video: [] })).toEqual(['no-video']);
    expect(codes({ ...media(1920, 1080), durationSec: 0 })).toEqual(['zero-duration']);
    expect(codes(media(1920, 1080, false))).toEqual(['no-audio']);
    expect(checkSpec(media(1920, 1080), spec).accepted).toBe(true);
  });
});

describe('library packages: audio, captions, the SD top rung', () => {
  const film = (): MediaInfo => ({
    ...media(1920, 1080),
    audio: [
      { index: 1, codec: 'pcm_s24le', channels: 6, sampleRate: 48000, language: 'fre' },
      { index: 2, codec: 'pcm_s24le', channels: 2, sampleRate: 48000, language: 'eng' },
      {
        index: 3,
        codec: 'pcm_s24le',
        channels: 2,
        sampleRate: 48000,
        language: 'fra',
        flags: { visualImpaired: true },
      },
      { index: 4, codec: 'pcm_s24le', channels: 2, sampleRate: 48000 },
    ],
  });

  it('every tagged audio stream once: BCP 47, its own name, DEFAULT on the primary language, VI marked', () => {
    const plan = planTranscode(film(), {
      segmentSeconds: 6,
      profile: DEFAULT,
      spec: { audioSelection: 'tagged', primaryLanguage: 'eng' },
    });
    expect(
      plan.audio.map((a) => [a.name, a.language, a.label, a.default, a.describesVideo ?? false, a.channels]),
    ).toEqual([
      ['aac-fr', 'fr', 'Français', false, false, 2],
      ['aac-en', 'en', 'English', true, false, 2],
      ['aac-fr-ad', 'fr', 'Français (AD)', false, true, 2],
    ]);
    // No primary language: the first main (not described) track is the default.
    expect(planTranscode(film(), { segmentSeconds: 6, profile: DEFAULT }).audio.find((a) => a.default)?.name).toBe(
      'aac-fr',
    );
    expect(
      planTranscode(film(), { segmentSeconds: 6, profile: DEFAULT, spec: { audioSelection: 'all' } }).audio.map(
        (a) => a.label,
      ),
    ).toEqual(['Français', 'English', 'Français (AD)', 'Audio 4']);
  });

  it('5.1 in the master and a surround bit rate in the profile: an AC-3 group with the same names', () => {
    const plan = planTranscode(film(), { segmentSeconds: 6, profile: { ...DEFAULT, surroundKbps: 384 } });
    const groups = (g: string) => plan.audio.filter((a) => a.group === g);
    expect(groups('ac3').map((a) => a.label)).toEqual(groups('aac').map((a) => a.label));
    expect(groups('ac3').map((a) => a.channels)).toEqual([6, 2, 2]);
    expect(planTranscode(film(), { segmentSeconds: 6, profile: DEFAULT }).audio.every((a) => a.group === 'aac')).toBe(
      true,
    );
  });

  it('captions: files that read cleanly and text streams, SDH and forced flags; image subtitles are not planned', () => {
    const m: MediaInfo = {
      ...film(),
      subtitles: [
        { index: 5, codec: 'mov_text', language: 'eng', flags: { hearingImpaired: true } },
        { index: 6, codec: 'hdmv_pgs_subtitle', language: 'deu' },
      ],
      captionFiles: [
        { path: '/m/Film.fr.forced.srt', format: 'srt', language: 'fr', languageFrom: 'name', forced: true, cues: 3 },
        { path: '/m/Film.de.srt', format: 'srt', language: 'de', languageFrom: 'name' },
      ],
    };
    const plan = planTranscode(m, { segmentSeconds: 6, profile: DEFAULT });
    expect(plan.subtitles.map((s) => [s.name, s.label, s.default, s.forced ?? false, s.sdh ?? false])).toEqual([
      ['fr-forced', 'Français (forced)', true, true, false],
      ['en-sdh', 'English (SDH)', false, false, true],
    ]);
  });

  it('SD masters keep their lines: 720×480 16:9 → a 480-line top rung; 576 too; never an upscale', () => {
    const ntsc = media(720, 480);
    ntsc.video[0]!.sar = { num: 32, den: 27 };
    expect(ladder(ntsc)).toEqual(['854x480', '640x360']);
    const pal = media(720, 576);
    pal.video[0]!.sar = { num: 64, den: 45 };
    expect(ladder(pal)[0]).toBe('1024x576');
    const top = planTranscode(ntsc, { segmentSeconds: 6, profile: DEFAULT }).rungs[0]!;
    // Its bit rate lies between the neighbours' (360p 800, 540p 1800).
    expect(top.videoKbps).toBeGreaterThan(800);
    expect(top.videoKbps).toBeLessThan(1800);
    // Above the profile's top rung the profile caps the ladder (no own-size rung).
    expect(planTranscode(media(1920, 1080), { segmentSeconds: 6, profile: PREVIEW }).rungs[0]!.height).toBe(720);
  });

  it('encryption needs a key URI and turns off DASH and I-frame playlists', () => {
    expect(() => planTranscode(film(), { segmentSeconds: 6, profile: DEFAULT, encryption: { enabled: true } })).toThrow(
      /key URI/,
    );
    const plan = planTranscode(film(), {
      segmentSeconds: 6,
      profile: DEFAULT,
      dash: true,
      encryption: { enabled: true, keyUri: 'https://keys.example/{keyId}', rotateEvery: 10 },
    });
    expect(plan).toMatchObject({
      encryption: { keyUri: 'https://keys.example/{keyId}', rotateEvery: 10 },
      iframes: false,
    });
    expect(plan.dash).toBeUndefined();
  });
});
