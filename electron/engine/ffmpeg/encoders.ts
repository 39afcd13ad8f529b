/**
 * Hardware encoder detection by real trial encode. Listed in `ffmpeg -encoders` is not usable: each
 * hardware family the build lists gets a short encode through its own device/upload pipeline and
 * the production pixel format, and is recorded usable or not *with ffmpeg's own reason* (HandBrake
 * answers only "no": its issue #2890). Results are cached per ffmpeg binary + version. The best
 * usable encoder for the platform is chosen, else libx264 with the reasons why.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeFileAtomic } from '../util/atomic-write.js';
import { toolVersion } from './version.js';
import { childOptions } from './child.js';

const run = promisify(execFile);

export type EncoderFamily = 'nvenc' | 'qsv' | 'vaapi' | 'videotoolbox' | 'amf' | 'v4l2m2m';

export interface EncoderFamilyDef {
  family: EncoderFamily;
  encoder: string;
  /** Arguments before the input (device set-up). */
  inputArgs: string[];
  /** Appended to each rung's filter chain to hand frames to the device. */
  uploadFilter?: string;
  /** Encoder options for a rung. */
  encoderArgs: string[];
}

export const FAMILIES: EncoderFamilyDef[] = [
  { family: 'nvenc', encoder: 'h264_nvenc', inputArgs: [], encoderArgs: ['-preset', 'p5', '-rc', 'vbr'] },
  {
    family: 'qsv',
    encoder: 'h264_qsv',
    inputArgs: ['-init_hw_device', 'qsv=hw', '-filter_hw_device', 'hw'],
    uploadFilter: 'hwupload=extra_hw_frames=64',
    encoderArgs: ['-preset', 'medium'],
  },
  {
    family: 'vaapi',
    encoder: 'h264_vaapi',
    inputArgs: ['-vaapi_device', '/dev/dri/renderD128'],
    uploadFilter: 'format=nv12,hwupload',
    encoderArgs: [],
  },
  { family: 'videotoolbox', encoder: 'h264_videotoolbox', inputArgs: [], encoderArgs: ['-allow_sw', '0'] },
  { family: 'amf', encoder: 'h264_amf', inputArgs: [], encoderArgs: ['-quality', 'balanced'] },
  { family: 'v4l2m2m', encoder: 'h264_v4l2m2m', inputArgs: [], encoderArgs: [] },
];

/** Best first, per platform. */
const PREFERENCE: Record<string, EncoderFamily[]> = {
  darwin: ['videotoolbox'],
  win32: ['nvenc', 'qsv', 'amf'],
  linux: ['nvenc', 'qsv', 'vaapi', 'v4l2m2m'],
};

export interface EncoderProbe {
  family: EncoderFamily;
  encoder: string;
  usable: boolean;
  /** ffmpeg's own words when the trial failed. */
  reason?: string;
  ms: number;
}

export interface EncoderReport {
  ffmpeg: string;
  version: string;
  listed: EncoderFamily[];
  probes: EncoderProbe[];
  /** The encoder to use and why. */
  chosen: string;
  reason: string;
}

/** The most telling line of a failed trial: the encoder's own complaint, else the first line. */
export function trialReason(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim().replace(/ @ 0x[0-9a-f]+\]/, ']'))
    .filter(Boolean);
  return lines.find((l) => /^\[(h264|hevc)_\w+\]/.test(l)) ?? lines[0] ?? 'the trial encode failed without a message';
}

export function listedFamilies(encodersOutput: string): EncoderFamily[] {
  const names = new Set([...encodersOutput.matchAll(/^\s*V\S*\s+(\S+)/gm)].map((m) => m[1]));
  return FAMILIES.filter((f) => names.has(f.encoder)).map((f) => f.family);
}

/** The trial: 0.2 s of 256×144 through the family's device pipeline, as 8-bit 4:2:0 like production. */
export function trialArgs(def: EncoderFamilyDef): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    ...def.inputArgs,
    '-f',
    'lavfi',
    '-i',
    'testsrc2=s=256x144:r=25:d=0.2',
    '-vf',
    def.uploadFilter ? `format=nv12,${def.uploadFilter}` : 'format=yuv420p',
    '-c:v',
    def.encoder,
    ...def.encoderArgs,
    '-f',
    'null',
    '-',
  ];
}

async function trial(ffmpeg: string, def: EncoderFamilyDef): Promise<EncoderProbe> {
  const started = Date.now();
  try {
    await run(ffmpeg, trialArgs(def), { timeout: 20_000, killSignal: 'SIGKILL', ...childOptions() });
    return { family: def.family, encoder: def.encoder, usable: true, ms: Date.now() - started };
  } catch (err) {
    const e = err as { stderr?: string; killed?: boolean };
    const reason = e.killed ? 'the trial encode did not finish within 20 s' : trialReason(e.stderr ?? String(err));
    return { family: def.family, encoder: def.encoder, usable: false, reason, ms: Date.now() - started };
  }
}

export function chooseEncoder(
  probes: EncoderProbe[],
  platform: string = process.platform,
): { chosen: string; reason: string } {
  for (const family of PREFERENCE[platform] ?? []) {
    const p = probes.find((x) => x.family === family);
    if (p?.usable) return { chosen: p.encoder, reason: `${p.encoder} passed its trial encode (${p.ms} ms)` };
  }
  const failed = probes.filter((p) => !p.usable).map((p) => `${p.encoder}: ${p.reason}`);
  return {
    chosen: 'libx264',
    reason: failed.length
      ? `software encoder: no hardware encoder passed its trial (${failed.join('; ')})`
      : 'software encoder: this ffmpeg lists no hardware H.264 encoder',
  };
}

/** Detect (or read from the cache for this ffmpeg binary and version). */
export async function detectEncoders(
  ffmpeg: string,
  cacheDir?: string,
  opts: { refresh?: boolean } = {},
): Promise<EncoderReport> {
  const version = await toolVersion(ffmpeg);
  const cachePath = cacheDir ? join(cacheDir, 'encoders.json') : undefined;
  if (cachePath && !opts.refresh) {
    try {
      const cached = JSON.parse(await readFile(cachePath, 'utf8')) as EncoderReport;
      if (cached.ffmpeg === ffmpeg && cached.version === version) return cached;
    } catch {
      /* no cache yet */
    }
  }
  const { stdout } = await run(ffmpeg, ['-hide_banner', '-encoders'], {
    timeout: 20_000,
    maxBuffer: 8 << 20,
    ...childOptions(),
  });
  const listed = listedFamilies(stdout);
  const probes: EncoderProbe[] = [];
  for (const family of listed)
    probes.push(
      await trial(
        ffmpeg,
        FAMILIES.find((f) => f.family === family)!,
      ),
    );
  const report: EncoderReport = { ffmpeg, version, listed, probes, ...chooseEncoder(probes) };
  if (cachePath) await writeFileAtomic(cachePath, JSON.stringify(report, null, 2) + '\n');
  return report;
}

export const familyOf = (encoder: string): EncoderFamilyDef | undefined => FAMILIES.find((f) => f.encoder === encoder);
