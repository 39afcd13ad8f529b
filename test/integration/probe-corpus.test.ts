/**
 * The bad-master corpus, generated here: each master must be rejected (or warned about) with its
 * own specific code, nothing may crash or stall, and no source byte may change. Good ProRes and
 * H.264 masters must be reported with the values they were generated with.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { deliverySpecSchema } from '../../electron/common/spec';
import type { MediaInfo } from '../../electron/common/media';
import { expandSources } from '../../electron/engine/intake';
import { MasterRejected, probeMaster } from '../../electron/engine/probe/probe-master';
import { hashFile } from '../../electron/engine/util/hash-file';
import defaultSpec from '../../resources/delivery-spec.json';
import { tempDir } from '../helpers/station';
import { BIN } from '../helpers/cli';

const run = promisify(execFile);
const spec = deliverySpecSchema.parse(defaultSpec);
const probe = (path: string) => probeMaster(path, { ffprobePath: 'ffprobe', ffmpegPath: 'ffmpeg', spec });
let dir: string;

async function ff(out: string, ...args: string[]): Promise<string> {
  await run('ffmpeg', ['-hide_banner', '-v', 'error', '-y', ...args, out], { timeout: 60_000 });
  return out;
}
const video = (s = '320x240', r = '24', d = '3') => ['-f', 'lavfi', '-i', `testsrc2=s=${s}:r=${r}:d=${d}`];
const tone = (d = '3') => ['-f', 'lavfi', '-i', `sine=f=440:sample_rate=48000:d=${d}`];
const h264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];

async function truncateTo(src: string, out: string, fraction: number): Promise<string> {
  const data = await readFile(src);
  await writeFile(out, data.subarray(0, Math.floor(data.length * fraction)));
  return out;
}

/** Overwrite the payload of the middle video packets with random bytes (a hex edit). */
async function garbleMiddle(src: string, out: string): Promise<string> {
  await copyFile(src, out);
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v',
    '-show_entries',
    'packet=pos,size',
    '-of',
    'json',
    out,
  ]);
  const packets = (JSON.parse(stdout) as { packets: Array<{ pos: string; size: string }> }).packets;
  const fh = await open(out, 'r+');
  for (const p of packets.slice(Math.floor(packets.length / 2), Math.floor(packets.length / 2) + 3)) {
    const pos = Number(p.pos);
    const size = Number(p.size);
    await fh.write(randomBytes(size - 32), 0, size - 32, pos + 16);
  }
  await fh.close();
  return out;
}

async function expectRejected(path: string, code: string, message: RegExp): Promise<void> {
  const before = await hashFile(path).catch(() => undefined);
  const err = await probe(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `${path} should be rejected`).toBeInstanceOf(MasterRejected);
  expect((err as MasterRejected).code).toBe(code);
  expect((err as MasterRejected).message).toMatch(message);
  if (before) expect(await hashFile(path)).toEqual(before);
}

async function expectWarned(path: string, code: string): Promise<void> {
  const before = await hashFile(path);
  const r = await probe(path);
  expect(r.spec!.accepted).toBe(true);
  expect(r.spec!.findings.map((f) => `${f.severity}:${f.code}`)).toContain(`warning:${code}`);
  expect(await hashFile(path)).toEqual(before);
}

beforeAll(async () => {
  dir = await tempDir('ingest-corpus-');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bad-master corpus: one specific reason each', () => {
  it('zero-byte file', async () => {
    await writeFile(join(dir, 'zero.mov'), '');
    await expectRejected(join(dir, 'zero.mov'), 'zero-bytes', /^The file is empty \(0 bytes\)\.$/);
  });
  it('a text file named .mov', async () => {
    await writeFile(join(dir, 'notes.mov'), 'Delivery notes: reel 2 to follow.\n');
    await expectRejected(
      join(dir, 'notes.mov'),
      'not-media',
      /^Not a media file ffprobe can read: Invalid data found when processing input$/,
    );
  });
  it('an MP4 truncated at 10 % and at 90 % (index at the end)', async () => {
    const src = await ff(join(dir, 'whole.mp4'), ...video(), ...tone(), ...h264, '-c:a', 'aac');
    await expectRejected(
      await truncateTo(src, join(dir, 't10.mp4'), 0.1),
      'truncated',
      /index \(moov atom\) is missing/,
    );
    await expectRejected(
      await truncateTo(src, join(dir, 't90.mp4'), 0.9),
      'truncated',
      /index \(moov atom\) is missing/,
    );
  });
  it('an MP4 truncated at 90 % (index at the front, data cut)', async () => {
    const src = await ff(
      join(dir, 'faststart.mp4'),
      ...video(),
      ...tone(),
      ...h264,
      '-c:a',
      'aac',
      '-movflags',
      '+faststart',
    );
    await expectRejected(
      await truncateTo(src, join(dir, 'fs90.mp4'), 0.9),
      'truncated',
      /^The file is incomplete: its data ends before its index says it should/,
    );
  });
  it('random bytes overwritten in the middle of the video stream', async () => {
    const src = await ff(join(dir, 'clean.mp4'), ...video('640x360', '24', '4'), ...h264);
    await ff(join(dir, 'clean-a.mp4'), '-i', src, ...tone('4'), '-c:v', 'copy', '-c:a', 'aac', '-shortest');
    await expectRejected(
      await garbleMiddle(join(dir, 'clean-a.mp4'), join(dir, 'hexedit.mp4')),
      'corrupt',
      /^The picture or sound does not decode cleanly: \[h264\]/,
    );
  });
  it('audio only', async () => {
    await expectRejected(
      await ff(join(dir, 'audio.m4a'), ...tone(), '-c:a', 'aac'),
      'no-video',
      /^Video is missing: the file holds only audio/,
    );
  });
  it('video only, when the spec requires audio', async () => {
    await expectRejected(
      await ff(join(dir, 'silent.mp4'), ...video(), ...h264),
      'no-audio',
      /^Audio is missing: the spec requires at least one audio stream\.$/,
    );
  });
  it('a 1-frame file', async () => {
    await expectRejected(
      await ff(join(dir, 'still.mp4'), ...video(), ...tone(), '-frames:v', '1', ...h264, '-c:a', 'aac', '-shortest'),
      'single-frame',
      /single frame/,
    );
  });
  it('an index edited to claim 10 hours for 5 seconds of content', async () => {
    const src = await ff(join(dir, 'five.mp4'), ...video('320x240', '24', '5'), ...tone('5'), ...h264, '-c:a', 'aac');
    // mvhd's duration (what the container claims) set to 10 h; the sample tables still hold 5 s.
    const bytes = await readFile(src);
    const at = bytes.indexOf('mvhd');
    const timescale = bytes.readUInt32BE(at + 16);
    bytes.writeUInt32BE(36_000 * timescale, at + 20);
    await writeFile(join(dir, 'ten-hours.mp4'), bytes);
    await expectRejected(
      join(dir, 'ten-hours.mp4'),
      'duration-implausible',
      /^The container claims 10:00:00, but its streams hold 5\.0 s of picture and sound: its index was edited or damaged\.$/,
    );
  });
  it('duration under the spec’s minimum', async () => {
    await expectRejected(
      await ff(join(dir, 'blink.mp4'), ...video('320x240', '24', '0.5'), ...tone('0.5'), ...h264, '-c:a', 'aac'),
      'too-short',
      /^Duration is 0\.5\d* s: the spec requires at least 1 s\.$/,
    );
  });
  it('odd dimensions (1919×1079)', async () => {
    await expectWarned(
      await ff(
        join(dir, 'odd.mp4'),
        ...video(),
        ...tone(),
        '-vf',
        'scale=1919:1079,format=yuv444p',
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-c:a',
        'aac',
      ),
      'odd-dimensions',
    );
  });
  it('variable frame rate', async () => {
    await expectWarned(
      await ff(
        join(dir, 'vfr.mp4'),
        ...video('320x240', '30', '4'),
        ...tone('4'),
        '-vf',
        "select='lt(n\\,30)+not(mod(n\\,3))'",
        '-fps_mode',
        'vfr',
        ...h264,
        '-c:a',
        'aac',
      ),
      'variable-frame-rate',
    );
  });
  it('interlaced', async () => {
    await expectWarned(
      await ff(
        join(dir, 'interlaced.mp4'),
        ...video('320x240', '25'),
        ...tone(),
        '-vf',
        'setfield=tff',
        '-flags',
        '+ilme+ildct',
        ...h264,
        '-c:a',
        'aac',
      ),
      'interlaced',
    );
  });
  it('10-bit PQ HDR tagged', async () => {
    const hdr = await ff(
      join(dir, 'hdr.mp4'),
      ...video(),
      ...tone(),
      '-vf',
      'setparams=color_primaries=bt2020:color_trc=smpte2084:colorspace=bt2020nc,format=yuv420p10le',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-c:a',
      'aac',
    );
    await expectWarned(hdr, 'hdr');
    const strict = deliverySpecSchema.parse({ ...defaultSpec, hdr: 'error' });
    const err = await probeMaster(hdr, { ffprobePath: 'ffprobe', ffmpegPath: 'ffmpeg', spec: strict }).catch(
      (e: unknown) => e,
    );
    expect((err as MasterRejected).code).toBe('hdr');
    expect((err as MasterRejected).message).toBe(
      'The master is HDR10 (smpte2084, 10-bit): this spec accepts SDR masters only.',
    );
  });
  it('a path with spaces, quotes, unicode and a leading dash is accepted', async () => {
    const odd = join(dir, `-Le "Film" d'été 映画.mp4`);
    await ff(odd, ...video(), ...tone(), ...h264, '-c:a', 'aac');
    const before = await hashFile(odd);
    const r = await probe(odd);
    expect(r.spec!.accepted).toBe(true);
    expect(await hashFile(odd)).toEqual(before);
  });
  it('a directory named like a video', async () => {
    await mkdir(join(dir, 'Reel 1.mov'));
    await expectRejected(join(dir, 'Reel 1.mov'), 'not-a-file', /^This is a folder, not a media file/);
    const intake = await expandSources([join(dir, 'Reel 1.mov')]);
    expect(intake.files).toEqual([]);
  });
  it('a master deleted between intake and probe', async () => {
    const path = await ff(join(dir, 'vanishing.mp4'), ...video(), ...tone(), ...h264, '-c:a', 'aac');
    const intake = await expandSources([path]);
    expect(intake.files).toEqual([path]);
    await rm(path);
    await expectRejected(path, 'gone', /^The master is gone: it was moved or deleted after it was added\.$/);
  });
});

describe('good masters: MediaInfo matches what they were generated with', () => {
  it('ProRes 422 HQ 10-bit 1280×720 25 fps, PCM stereo 48 kHz, French, timecode', async () => {
    const path = await ff(
      join(dir, 'good-prores.mov'),
      ...video('1280x720', '25', '2'),
      ...tone('2'),
      '-c:v',
      'prores',
      '-profile:v',
      '3',
      '-pix_fmt',
      'yuv422p10le',
      '-c:a',
      'pcm_s24le',
      '-ac',
      '2',
      '-metadata:s:a:0',
      'language=fra',
      '-timecode',
      '10:00:00:00',
    );
    const { stdout } = await run(process.execPath, [BIN, 'probe', path, '--json']);
    const result = (JSON.parse(stdout) as { results: Array<{ accepted: boolean; media: MediaInfo }> }).results[0]!;
    const media = result.media;
    expect(result.accepted).toBe(true);
    expect(media).toMatchObject<Partial<MediaInfo>>({
      container: 'mov,mp4,m4a,3gp,3g2,mj2',
      startTimecode: '10:00:00:00',
      subtitles: [],
    });
    expect(media.durationSec).toBeCloseTo(2, 1);
    expect(media.video[0]).toMatchObject({
      codec: 'prores',
      width: 1280,
      height: 720,
      frameRate: { num: 25, den: 1 },
      pixelFormat: 'yuv422p10le',
      bitDepth: 10,
      fieldOrder: 'progressive',
    });
    expect(media.audio[0]).toMatchObject({ codec: 'pcm_s24le', channels: 2, sampleRate: 48000, language: 'fra' });
  });
  it('H.264 1920×1080 23.976 (24000/1001) with 5.1 AAC — through the CLI, as JSON', async () => {
    const path = await ff(
      join(dir, 'good-h264.mp4'),
      ...video('1920x1080', '24000/1001', '2'),
      '-f',
      'lavfi',
      '-i',
      'sine=sample_rate=48000:d=2',
      '-filter_complex',
      '[1:a]pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0[a]',
      '-map',
      '0:v',
      '-map',
      '[a]',
      ...h264,
      '-c:a',
      'aac',
    );
    const { stdout, stderr } = await run(process.execPath, [BIN, 'probe', path, '--json']);
    expect(stderr).toMatch(/^ffprobe: \S+ffprobe \(\S+\) · spec: Feature film \(default\)/);
    const out = JSON.parse(stdout) as { results: Array<{ accepted: boolean; media: MediaInfo }> };
    const m = out.results[0]!.media;
    expect(out.results[0]!.accepted).toBe(true);
    expect(m.video[0]).toMatchObject({
      codec: 'h264',
      width: 1920,
      height: 1080,
      frameRate: { num: 24000, den: 1001 },
      bitDepth: 8,
      dar: { num: 16, den: 9 },
      sar: { num: 1, den: 1 },
    });
    expect(m.audio[0]).toMatchObject({ codec: 'aac', channels: 6, channelLayout: '5.1', sampleRate: 48000 });
    // exit code 1 when any file is rejected
    await expect(run(process.execPath, [BIN, 'probe', path, join(dir, 'zero.mov')])).rejects.toMatchObject({ code: 1 });
  });
});
