/** Delivery-spec rules applied to a MediaInfo: one stable code and one sentence per failed rule. */
import { frameRateValue, isInterlaced, type MediaInfo } from '../../common/media.js';
import type { DeliverySpec, SpecCode, SpecFinding, SpecResult } from '../../common/spec.js';

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
