import { describe, expect, it } from 'vitest';
import type { MediaInfo } from '../../electron/common/media';
import { NVENC_SESSION_CAP, applyNvencCap, planTranscode, type Rung } from '../../electron/engine/stages/plan';
import { buildLadderArgs } from '../../electron/engine/stages/transcode';
import { toMediaInfo } from '../../electron/engine/stages/probe';
import { checkSpec } from '../../electron/engine/probe/spec-check';
import { deliverySpecSchema } from '../../electron/common/spec';
import defaultSpec from '../../resources/delivery-spec.json';

const media = (width: number, height: number, audio = true): MediaInfo => ({
  container: 'mov',
  durationSec: 60,
  sizeBytes: 1,
  video: [{ index: 0, codec: 'prores', width, height, frameRate: { num: 24000, den: 1001 } }],
  audio: audio ? [{ index: 1, codec: 'pcm_s24le', channels: 6, sampleRate: 48000 }] : [],
  subtitles: [],
});

describe('plan', () => {
  it('1080p source → 720p and 360p, 16:9 kept, even sizes', () => {
    const plan = planTranscode(media(1920, 1080), { segmentSeconds: 6 });
    expect(plan.rungs.map((r) => [r.name, r.width, r.height])).toEqual([
      ['720p', 1280, 720],
      ['360p', 640, 360],
    ]);
  });

  it('never upscales and keeps two distinct rungs from a small source', () => {
    const plan = planTranscode(media(640, 360), { segmentSeconds: 6 });
    expect(plan.rungs.map((r) => `${r.width}x${r.height}`)).toEqual(['640x360', '320x180']);
  });

  it('anamorphic pixels are widened to square ones; rotated masters are planned as displayed', () => {
    const dv = media(720, 576);
    dv.video[0]!.sar = { num: 64, den: 45 }; // PAL 16:9 anamorphic → 1024×576 displayed
    expect(planTranscode(dv, { segmentSeconds: 6 }).rungs.map((r) => `${r.width}x${r.height}`)).toEqual(['1024x576', '640x360']);
    const phone = media(1920, 1080);
    phone.video[0]!.rotation = 90;
    expect(planTranscode(phone, { segmentSeconds: 6 }).rungs[0]).toMatchObject({ width: 406, height: 720 });
  });

  it('interlaced masters are deinterlaced before the split', () => {
    const tv = media(1920, 1080);
    tv.video[0]!.fieldOrder = 'tt';
    const plan = planTranscode(tv, { segmentSeconds: 6 });
    expect(plan.deinterlace).toBe(true);
    const a = buildLadderArgs(plan, '/w').outputOptions;
    expect(a[a.indexOf('-filter_complex') + 1]).toMatch(/^\[0:0\]yadif=mode=send_frame,split=2/);
  });

  it('odd source sizes give even rung sizes (x264 needs them)', () => {
    const plan = planTranscode(media(721, 405), { segmentSeconds: 6 });
    for (const r of plan.rungs) {
      expect(r.width % 2).toBe(0);
      expect(r.height % 2).toBe(0);
    }
  });
});

describe('ladder arguments', () => {
  it('one process: split to every rung, keyframes at segment boundaries, fMP4 HLS with master playlist', () => {
    const plan = planTranscode(media(1920, 1080), { segmentSeconds: 4 });
    const { outputOptions: a, output } = buildLadderArgs(plan, '/w/pkg');
    const arg = (k: string): string | undefined => a[a.indexOf(k) + 1];
    expect(arg('-filter_complex')).toBe(
      '[0:0]split=2[s0][s1];[s0]scale=1280:720,setsar=1,format=yuv420p[v0];[s1]scale=640:360,setsar=1,format=yuv420p[v1]',
    );
    expect(arg('-force_key_frames')).toBe('expr:gte(t,n_forced*4)');
    expect(arg('-sc_threshold')).toBe('0');
    expect(arg('-hls_time')).toBe('4');
    expect(arg('-hls_segment_type')).toBe('fmp4');
    expect(arg('-master_pl_name')).toBe('master.m3u8');
    expect(arg('-var_stream_map')).toBe('v:0,name:720p,agroup:aud v:1,name:360p,agroup:aud a:0,agroup:aud,name:audio,default:yes');
    expect(a.filter((x) => x === '-map')).toHaveLength(3);
    expect(output).toBe('/w/pkg/%v/index.m3u8');
  });

  it('a master without audio maps no audio and no audio group', () => {
    const { outputOptions: a } = buildLadderArgs(planTranscode(media(1280, 720, false), { segmentSeconds: 6 }), '/w');
    expect(a).not.toContain('-c:a');
    expect(a[a.indexOf('-var_stream_map') + 1]).toBe('v:0,name:720p v:1,name:360p');
  });
});

describe('hardware encoders in the ladder', () => {
  const choice = (chosen: string) => ({ chosen, reason: `${chosen} passed its trial encode` });
  it('VAAPI: device opened before the input, frames uploaded at the end of every rung chain', () => {
    const { inputOptions, outputOptions: a } = buildLadderArgs(planTranscode(media(1920, 1080), { segmentSeconds: 6, encoder: choice('h264_vaapi') }), '/w');
    expect(inputOptions).toEqual(['-vaapi_device', '/dev/dri/renderD128']);
    expect(a[a.indexOf('-filter_complex') + 1]).toContain('[s0]scale=1280:720,setsar=1,format=yuv420p,format=nv12,hwupload[v0]');
    expect(a.slice(a.indexOf('-c:v:0'), a.indexOf('-c:v:0') + 2)).toEqual(['-c:v:0', 'h264_vaapi']);
  });
  it('QSV: a device and an upload filter; NVENC: per-rung options, no upload', () => {
    const qsv = buildLadderArgs(planTranscode(media(1920, 1080), { segmentSeconds: 6, encoder: choice('h264_qsv') }), '/w');
    expect(qsv.inputOptions).toEqual(['-init_hw_device', 'qsv=hw', '-filter_hw_device', 'hw']);
    const nv = buildLadderArgs(planTranscode(media(1920, 1080), { segmentSeconds: 6, encoder: choice('h264_nvenc') }), '/w');
    expect(nv.inputOptions).toEqual([]);
    expect(nv.outputOptions).toEqual(expect.arrayContaining(['-c:v:1', 'h264_nvenc', '-preset:v:1', 'p5', '-rc:v:1', 'vbr']));
    expect(nv.outputOptions.join(' ')).not.toContain('hwupload');
  });
  it('NVENC session cap: rungs beyond it are planned in software, and the reason says so', () => {
    const rungs: Rung[] = [1080, 720, 540, 360].map((h) => ({ name: `${h}p`, width: (h * 16) / 9, height: h, videoKbps: 1000 }));
    const reason = applyNvencCap(rungs, choice('h264_nvenc'));
    expect(rungs.map((r) => r.encoder)).toEqual([undefined, undefined, undefined, 'libx264']);
    expect(reason).toBe(`h264_nvenc passed its trial encode; rungs beyond the first ${NVENC_SESSION_CAP} use libx264 (consumer NVENC session cap)`);
    const plan = { ...planTranscode(media(1920, 1080), { segmentSeconds: 6, encoder: choice('h264_nvenc') }), rungs };
    const a = buildLadderArgs(plan, '/w').outputOptions;
    expect(a.slice(a.indexOf('-c:v:3'), a.indexOf('-c:v:3') + 2)).toEqual(['-c:v:3', 'libx264']);
    expect(applyNvencCap(rungs.slice(0, 3).map((r) => ({ ...r, encoder: undefined })), choice('h264_vaapi'))).toBe('h264_vaapi passed its trial encode');
  });
  it('libx264 keeps its preset per rung', () => {
    const { outputOptions: a } = buildLadderArgs(planTranscode(media(1920, 1080), { segmentSeconds: 6 }), '/w');
    expect(a).toEqual(expect.arrayContaining(['-c:v:0', 'libx264', '-preset:v:0', 'veryfast']));
  });
});

describe('ffprobe JSON → MediaInfo', () => {
  it('maps streams and ignores cover art', () => {
    const info = toMediaInfo(
      {
        format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '7.000000', bit_rate: '512000' },
        streams: [
          { index: 0, codec_type: 'video', codec_name: 'h264', profile: 'High', width: 1920, height: 1080, avg_frame_rate: '24000/1001', pix_fmt: 'yuv420p' },
          { index: 1, codec_type: 'audio', codec_name: 'aac', channels: 2, channel_layout: 'stereo', sample_rate: '48000', tags: { language: 'eng' } },
          { index: 2, codec_type: 'video', codec_name: 'mjpeg', width: 600, height: 600, disposition: { attached_pic: 1 } },
        ],
      },
      1234,
    );
    expect(info).toEqual({
      container: 'mov,mp4,m4a,3gp,3g2,mj2',
      durationSec: 7,
      sizeBytes: 1234,
      bitRate: 512000,
      video: [{ index: 0, codec: 'h264', profile: 'High', width: 1920, height: 1080, frameRate: { num: 24000, den: 1001 }, pixelFormat: 'yuv420p', bitDepth: 8 }],
      audio: [{ index: 1, codec: 'aac', channels: 2, channelLayout: 'stereo', sampleRate: 48000, language: 'eng' }],
      subtitles: [],
    });
  });

  it('the default spec gives one reason for an unusable master', () => {
    const spec = deliverySpecSchema.parse(defaultSpec);
    const codes = (m: MediaInfo) => checkSpec(m, spec).findings.filter((f) => f.severity === 'error').map((f) => f.code);
    expect(codes({ ...media(1920, 1080), video: [] })).toEqual(['no-video']);
    expect(codes({ ...media(1920, 1080), durationSec: 0 })).toEqual(['zero-duration']);
    expect(codes(media(1920, 1080, false))).toEqual(['no-audio']);
    expect(checkSpec(media(1920, 1080), spec).accepted).toBe(true);
  });
});
