/** Delivery-spec rules applied to a MediaInfo: one stable code and one sentence per failed rule. */
import { frameRateValue, isInterlaced, type MediaInfo } from '../../common/media.js';
import type { DeliverySpec, SpecCode, SpecFinding, SpecResult } from '../../common/spec.js';
import { formatBytes, formatDuration } from '../../common/format.js';

/** Below this a file cannot hold picture and sound: even black and silence cost more (bit/s). */
const MIN_MASTER_BITS_PER_SECOND = 2000;

/**
 * Why the duration the container claims cannot be true, or undefined. A master whose index was
 * edited (or damaged) to claim 10 hours for 5 seconds of content passed probe and failed only
 * after the transcode; the claim is checked against what the streams hold and what the bytes can.
 */
export function durationProblem(
  info: Pick<MediaInfo, 'durationSec' | 'streamsDurationSec' | 'sizeBytes'>,
): string | undefined {
  const claimed = info.durationSec;
  if (!(claimed > 0)) return undefined;
  const held = info.streamsDurationSec;
  if (held !== undefined && claimed > held * 1.5 + 5)
    return `The container claims ${formatDuration(claimed)}, but its streams hold ${held.toFixed(1)} s of picture and sound: its index was edited or damaged.`;
  const bps = (info.sizeBytes * 8) / claimed;
  if (bps < MIN_MASTER_BITS_PER_SECOND)
    return `The file is ${formatBytes(info.sizeBytes)}: too small to hold the ${formatDuration(claimed)} its container claims (that would be ${Math.round(bps)} bit/s; picture and sound take at least ${MIN_MASTER_BITS_PER_SECOND / 1000} kbit/s). Its index was edited or damaged.`;
  return undefined;
}

export function checkSpec(info: MediaInfo, spec: DeliverySpec): SpecResult {
  const findings: SpecFinding[] = [];
  const add = (code: SpecCode, severity: 'error' | 'warning' | 'off', message: string): void => {
    if (severity !== 'off') findings.push({ code, severity, message });
  };
  const v = info.video[0];
  if (!v) {
    add(
      'no-video',
      'error',
      `Video is missing: the file holds ${info.audio.length ? 'only audio' : 'no picture'}, and the spec needs a picture to transcode.`,
    );
    return { spec: spec.name, accepted: false, findings };
  }
  if (
    v.frameCount === 1 ||
    (info.durationSec > 0 && info.durationSec * frameRateValue(v.frameRate) < 1.5 && (v.frameCount ?? 1) <= 1)
  ) {
    add('single-frame', 'error', 'The video is a single frame (a still image), not a moving picture.');
  } else if (!(info.durationSec > 0)) {
    add('zero-duration', 'error', 'Duration is 0: the file has no playable length.');
  } else if (durationProblem(info)) {
    add('duration-implausible', 'error', durationProblem(info)!);
  } else if (info.durationSec < spec.minDurationSec) {
    add(
      'too-short',
      'error',
      `Duration is ${info.durationSec.toFixed(2)} s: the spec requires at least ${spec.minDurationSec} s.`,
    );
  } else if (info.durationSec < spec.warnBelowDurationSec) {
    add(
      'short-for-feature',
      'warning',
      `Duration is ${Math.round(info.durationSec)} s, shorter than a feature (${spec.warnBelowDurationSec} s): check this is the right master.`,
    );
  }
  if (info.audio.length === 0)
    add('no-audio', spec.audioMissing, 'Audio is missing: the spec requires at least one audio stream.');
  if (spec.videoCodecs.length > 0 && !spec.videoCodecs.includes(v.codec)) {
    add(
      'unsupported-codec',
      'error',
      `Video codec ${v.codec} is not accepted by the spec (accepted: ${spec.videoCodecs.join(', ')}).`,
    );
  }
  if (v.width < spec.minWidth || v.height < spec.minHeight) {
    add(
      'too-small',
      'error',
      `The picture is ${v.width}×${v.height}: the spec requires at least ${spec.minWidth}×${spec.minHeight}.`,
    );
  }
  if (v.width % 2 === 1 || v.height % 2 === 1) {
    add(
      'odd-dimensions',
      spec.oddDimensions,
      `The picture is ${v.width}×${v.height}: odd dimensions cannot be encoded as 4:2:0; rungs are scaled to even sizes.`,
    );
  }
  const fps = frameRateValue(v.frameRate);
  if (fps < spec.minFrameRate || fps > spec.maxFrameRate) {
    add(
      'frame-rate-out-of-range',
      'error',
      `Frame rate is ${fps.toFixed(3)} fps (${v.frameRate.num}/${v.frameRate.den}): the spec accepts ${spec.minFrameRate}–${spec.maxFrameRate} fps.`,
    );
  }
  if (v.variableFrameRate)
    add(
      'variable-frame-rate',
      spec.variableFrameRate,
      'The frame rate is variable: segments will be cut on time, but lip sync and cadence need a check.',
    );
  if (isInterlaced(v))
    add(
      'interlaced',
      spec.interlaced,
      `The picture is interlaced (field order ${v.fieldOrder}): it is deinterlaced before encoding.`,
    );
  if (v.hdr) {
    add(
      'hdr',
      spec.hdr,
      spec.hdr === 'error'
        ? `The master is ${v.hdr} (${v.colorTransfer}, ${v.bitDepth ?? '?'}-bit): this spec accepts SDR masters only.`
        : `The master is ${v.hdr} (${v.colorTransfer}, ${v.bitDepth ?? '?'}-bit): it is tone-mapped to SDR BT.709 for the H.264 ladder; check the grade on an SDR screen.`,
    );
  }
  if (v.sar && v.sar.num !== v.sar.den)
    add(
      'non-square-pixels',
      spec.nonSquarePixels,
      `Pixels are not square (SAR ${v.sar.num}:${v.sar.den}): rungs are scaled to square pixels.`,
    );
  if (v.rotation) add('rotated', spec.rotated, `The picture is tagged to be rotated by ${v.rotation}°.`);
  return { spec: spec.name, accepted: !findings.some((f) => f.severity === 'error'), findings };
}
