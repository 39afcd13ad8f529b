/**
 * Loudness per audio stream, ITU-R BS.1770-4 as ffmpeg's `ebur128=peak=true` measures it:
 * integrated loudness (gated), loudness range (EBU Tech 3342) and true peak (4× oversampled).
 * The whole stream is measured, not windows: integrated loudness is a property of the whole
 * programme (a quiet first reel and a loud battle average out only over both), and decoding audio
 * costs little beside the picture — every stream in one run, one demux of the master.
 * A stream that is not stereo is measured twice: as it is (its surround rendition) and downmixed
 * (or upmixed) to stereo the way the encoder's `-ac 2` does it, because a downmix is not as loud as
 * its source and the stereo rendition is what most viewers hear.
 */
import type { AudioGain, Decision, LoudnessMeasurement } from '../../common/analysis.js';
import { runFfmpeg } from '../ffmpeg/run-ffmpeg.js';
import { masterInput, masterInputOptions } from '../ffmpeg/input-guard.js';
import { audioFilter } from './filters.js';

export interface LoudnessTarget {
  streamIndex: number;
  channels: number;
}

const label = (streamIndex: number, layout: 'native' | 'stereo'): string => `loud${streamIndex}${layout[0]}`;

/** The measurement graph for these streams, and its output labels (map each to a null output). */
export function loudnessGraph(streams: LoudnessTarget[]): { graph: string; outputs: string[] } {
  const parts: string[] = [];
  const outputs: string[] = [];
  const meter = (name: string): string => `ebur128@${name}=peak=true:framelog=verbose`;
  for (const s of streams) {
    const native = label(s.streamIndex, 'native');
    if (s.channels === 2) {
      parts.push(`[0:${s.streamIndex}]${meter(native)}[${native}]`);
      outputs.push(native);
      continue;
    }
    const stereo = label(s.streamIndex, 'stereo');
    parts.push(
      `[0:${s.streamIndex}]asplit=2[${native}i][${stereo}i]`,
      `[${native}i]${meter(native)}[${native}]`,
      `[${stereo}i]aformat=channel_layouts=stereo,${meter(stereo)}[${stereo}]`,
    );
    outputs.push(native, stereo);
  }
  return { graph: parts.join(';'), outputs };
}

interface Summary {
  integrated?: number;
  threshold?: number;
  range?: number;
  truePeak?: number;
}

/** Below this ffmpeg reports −70 LUFS: nothing passed the absolute gate. */
const ABSOLUTE_GATE = -70;
/** A silent stream's true peak is −inf dBFS; JSON has no −Infinity, so it is floored here. */
export const PEAK_FLOOR = -150;

const value = (line: string): number => {
  const m = /:\s*(-?inf|-?nan|-?\d+(?:\.\d+)?)\s/i.exec(`${line} `);
  if (!m) return NaN;
  return /inf/i.test(m[1]!) ? (m[1]!.startsWith('-') ? -Infinity : Infinity) : Number(m[1]);
};

/**
 * ebur128's summaries from ffmpeg's stderr (info level), by filter instance: the first line of a
 * block carries the instance ("[ebur128@loud1n @ 0x…] Summary:"), the rest of the block does not.
 */
export class LoudnessSummaryParser {
  readonly summaries = new Map<string, Summary>();
  private current: Summary | undefined;
  private section: 'integrated' | 'range' | 'peak' | undefined;

  line(raw: string): void {
    const start = /\[ebur128@(\S+) @ [^\]]*\] Summary:/.exec(raw);
    if (start) {
      this.current = {};
      this.section = undefined;
      this.summaries.set(start[1]!, this.current);
      return;
    }
    if (!this.current) return;
    const line = raw.trim();
    if (/^\[/.test(line)) {
      this.current = undefined; // another component's line: the block is over
      return;
    }
    if (/^Integrated loudness:/.test(line)) this.section = 'integrated';
    else if (/^Loudness range:/.test(line)) this.section = 'range';
    else if (/^True peak:/.test(line)) this.section = 'peak';
    else if (this.section === 'integrated' && /^I:/.test(line)) this.current.integrated = value(line);
    else if (this.section === 'integrated' && /^Threshold:/.test(line)) this.current.threshold = value(line);
    else if (this.section === 'range' && /^LRA:/.test(line)) this.current.range = value(line);
    else if (this.section === 'peak' && /^Peak:/.test(line)) this.current.truePeak = value(line);
  }

  /** The measurements of the streams measured, in their order; a stream without a summary is an error. */
  measurements(streams: LoudnessTarget[], durationSec: number): LoudnessMeasurement[] {
    const out: LoudnessMeasurement[] = [];
    for (const s of streams)
      for (const layout of s.channels === 2 ? (['native'] as const) : (['native', 'stereo'] as const)) {
        const sum = this.summaries.get(label(s.streamIndex, layout));
        if (!sum || sum.integrated === undefined || sum.truePeak === undefined)
          throw new Error(`ebur128 gave no summary for audio stream ${s.streamIndex} (${layout})`);
        const silent = !(sum.integrated > ABSOLUTE_GATE);
        out.push({
          streamIndex: s.streamIndex,
          layout,
          channels: layout === 'stereo' ? 2 : s.channels,
          ...(silent ? {} : { integrated: sum.integrated }),
          range: Number.isFinite(sum.range) ? sum.range! : 0,
          truePeak: Number.isFinite(sum.truePeak) ? Math.max(PEAK_FLOOR, sum.truePeak) : PEAK_FLOOR,
          ...(!silent && Number.isFinite(sum.threshold) ? { threshold: sum.threshold! } : {}),
          durationSec,
        });
      }
    return out;
  }
}

export interface SettleOptions {
  ffmpegPath: string;
  path: string;
  durationSec: number;
  /** Channels of each audio stream (a stereo rendition of a 5.1 stream is mixed down first). */
  channels: Map<number, number>;
  maxBoostDb: number;
  toleranceDb: number;
  signal?: AbortSignal;
  stallTimeoutMs?: number;
}

/**
 * A limiter takes loudness away with the peaks it holds down — how much depends on the mix (a
 * generated mix whose transients carry its loudness lost 2.7 LU). Where a decision limits, the
 * stream is run through its own filter and measured again, and the gain corrected by what is
 * missing (three times at most: the limiter works harder each pass). Audio only: cheap.
 */
export async function settleLimitedGains(
  decisions: Array<Decision<AudioGain>>,
  o: SettleOptions,
): Promise<Array<Decision<AudioGain>>> {
  const out: Array<Decision<AudioGain>> = [];
  for (const d of decisions) {
    if (d.value.limiterCeilingDbtp === undefined || d.value.gainDb === 0) {
      out.push(d);
      continue;
    }
    let value = d.value;
    let after = await measureThrough(value, o);
    // Settled closer than the spec's tolerance: the encoder's own loss (0.3 LU measured on AAC) comes on top.
    const close = Math.min(0.2, o.toleranceDb);
    for (let round = 0; round < 3 && Math.abs(after.integrated - value.targetLufs) > close; round++) {
      const gainDb = Math.round(Math.min(o.maxBoostDb, value.gainDb + value.targetLufs - after.integrated) * 100) / 100;
      if (gainDb === value.gainDb) break;
      value = { ...value, gainDb };
      after = await measureThrough(value, o);
    }
    out.push({
      ...d,
      value: { ...value, expectedLufs: after.integrated, expectedTruePeak: after.truePeak },
      evidence: {
        sentence: `${d.evidence.sentence}; measured through the limiter: ${after.integrated.toFixed(1)} LUFS, true peak ${after.truePeak.toFixed(1)} dBTP${value.gainDb !== d.value.gainDb ? ` (gain ${value.gainDb.toFixed(1)} dB)` : ''}`,
        data: { ...d.evidence.data, limitedLufs: after.integrated, limitedTruePeak: after.truePeak },
      },
    });
  }
  return out;
}

async function measureThrough(g: AudioGain, o: SettleOptions): Promise<{ integrated: number; truePeak: number }> {
  const filter = audioFilter(g, { stereoFrom: o.channels.get(g.streamIndex) ?? 2 });
  const parser = new LoudnessSummaryParser();
  await runFfmpeg({
    ffmpegPath: o.ffmpegPath,
    input: masterInput(o.path),
    inputOptions: masterInputOptions(),
    outputOptions: [
      '-filter_complex',
      `[0:${g.streamIndex}]${filter ? `${filter},` : ''}ebur128@settle=peak=true:framelog=verbose[settled]`,
      '-map',
      '[settled]',
      '-f',
      'null',
    ],
    output: '-',
    logLevel: 'info',
    onStderrLine: (l) => parser.line(l),
    stallTimeoutMs: o.stallTimeoutMs ?? 60_000,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const s = parser.summaries.get('settle');
  if (s?.integrated === undefined || s.truePeak === undefined)
    throw new Error(`ebur128 gave no summary for audio stream ${g.streamIndex} through its limiter`);
  return { integrated: s.integrated, truePeak: s.truePeak };
}
