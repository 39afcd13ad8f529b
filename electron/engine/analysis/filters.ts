/**
 * Decisions → the ffmpeg filters the encoders put in front of their work. Pure and tested without
 * ffmpeg; the integration tests apply them to generated masters and measure the result.
 *
 * Picture, in this order, before the ladder's split: the field fix (it needs the full frame with its
 * fields in place), then the crop (a crop at an odd line would swap the fields under a deinterlacer).
 *  - inverse telecine: `fieldmatch` pairs the fields back into film frames, `decimate` drops the one
 *    duplicate in every five (29.97 → 23.976), `idet` marks what is still combed (a cadence break at
 *    an edit, a video section of a mixed film) and `bwdif` repairs only those frames — idet after
 *    decimate, because a duplicated neighbour reads as combing and bwdif would soften clean film
 *    frames (measured: none of 144 telecined frames touched in this order); the field order is the
 *    measured one (a progressive flag says nothing about it);
 *  - deinterlace: `bwdif` (motion adaptive, better than yadif on diagonals), one frame per field or
 *    per frame; `selective` after `idet` so only the combed frames of a progressive film change;
 *  - crop: the agreed active picture, even sizes.
 * Sound: the gain as a plain `volume` (linear: the mix is unchanged but for its level); where the
 * gain would push the true peak over the ceiling, a limiter at 4× the sample rate (where sample
 * peaks approach true peaks) holds it there — `alimiter` scales by its `limit`, so the signal is
 * lifted to meet a 0 dBFS limit and lowered to the ceiling after. loudnorm was measured and not
 * chosen: its linear mode silently turns dynamic (an AGC) when the peak does not fit, landing 2.2 LU
 * off the target on the generated test mix, and it resamples to 192 kHz even when it need not.
 */
import type { AudioGain, ContentDecisions, CropRect, ScanAction } from '../../common/analysis.js';

export function scanFilters(scan: ScanAction): string[] {
  switch (scan.action) {
    case 'none':
      return [];
    case 'ivtc':
      return [
        `fieldmatch=order=${scan.fieldOrder}:combmatch=full`,
        'decimate',
        'idet',
        `bwdif=mode=send_frame:parity=${scan.fieldOrder}:deint=interlaced`,
      ];
    case 'fieldmatch':
      return [
        `fieldmatch=order=${scan.fieldOrder}:combmatch=full`,
        'idet',
        `bwdif=mode=send_frame:parity=${scan.fieldOrder}:deint=interlaced`,
      ];
    case 'deinterlace':
      return [
        ...(scan.selective ? ['idet'] : []),
        `bwdif=mode=${scan.rate === 'field' ? 'send_field' : 'send_frame'}:parity=${scan.fieldOrder}:deint=${
          scan.selective ? 'interlaced' : 'all'
        }`,
      ];
  }
}

export const cropFilter = (c: CropRect): string => `crop=${c.w}:${c.h}:${c.x}:${c.y}`;

/** The picture's pre-filters, in order, for the encoder to put before its split (empty: untouched). */
export function videoPreFilters(d: Pick<ContentDecisions, 'scan' | 'crop'>): string[] {
  return [...scanFilters(d.scan.value), ...(d.crop.value ? [cropFilter(d.crop.value)] : [])];
}

const dB = (x: number): string => `${x.toFixed(2)}dB`;

/**
 * The audio filter for one rendition (undefined: untouched). `stereoFrom` > 2 or 1 means the
 * rendition is a stereo down/upmix of a stream with that many channels: the mix is made here, before
 * the gain and the limiter, so the peak that is limited is the one the viewer gets.
 */
export function audioFilter(g: AudioGain, o: { outputRate?: number; stereoFrom?: number } = {}): string | undefined {
  const mix =
    g.layout === 'stereo' && o.stereoFrom !== undefined && o.stereoFrom !== 2 ? ['aformat=channel_layouts=stereo'] : [];
  if (g.gainDb === 0 && g.limiterCeilingDbtp === undefined) return mix.length ? mix.join(',') : undefined;
  if (g.limiterCeilingDbtp === undefined) return [...mix, `volume=${dB(g.gainDb)}`].join(',');
  const ceiling = g.limiterCeilingDbtp;
  const rate = o.outputRate ?? 48000;
  return [
    ...mix,
    `volume=${dB(g.gainDb - ceiling)}`,
    'aresample=192000',
    'alimiter=limit=1:level=false:latency=true:attack=1:release=50',
    `aresample=${rate}`,
    `volume=${dB(ceiling)}`,
  ].join(',');
}

/**
 * The filter for one audio rendition of the plan: its stream's gain for the layout the rendition
 * carries — a stereo rendition of a mono or surround stream takes the stereo measurement's gain
 * (and the mix is made in the filter), a surround rendition the stream's own.
 */
export function renditionAudioFilter(
  gains: AudioGain[],
  rendition: { streamIndex: number; channels: number },
  sourceChannels: number,
  outputRate = 48000,
): string | undefined {
  const layout = rendition.channels === 2 && sourceChannels !== 2 ? 'stereo' : 'native';
  const g = gains.find((x) => x.streamIndex === rendition.streamIndex && x.layout === layout);
  return g ? audioFilter(g, { stereoFrom: sourceChannels, outputRate }) : undefined;
}
