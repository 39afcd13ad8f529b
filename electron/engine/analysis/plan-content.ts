/**
 * The content decisions into the plan (pure; the plan stage calls these): `contentMedia` is the
 * master as the ladder should see it — the cropped picture (the SAR keeps the display aspect), its
 * fields fixed, at the decided frame rate — and `applyContent` puts the decided filters into the
 * plan: the picture's pre-filters before the ladder's split, each audio rendition's gain and limiter
 * for the layout it carries, and the QC that rides along the encode.
 */
import type { ContentDecisions } from '../../common/analysis.js';
import type { MediaInfo } from '../../common/media.js';
import type { TranscodePlan } from '../plan/plan.js';
import { renditionAudioFilter, videoPreFilters } from './filters.js';
import type { PlanQc } from './qc-wiring.js';

/**
 * The master as the ladder is planned from: the cropped picture (in the upright picture's pixels,
 * as the analysis measured it; the display aspect follows from the same SAR), progressive once its
 * fields are fixed, at the decided frame rate.
 */
export function contentMedia(media: MediaInfo, d: ContentDecisions): MediaInfo {
  const [v, ...rest] = media.video;
  if (!v) return media;
  const crop = d.crop.value;
  const turned = v.rotation === 90 || v.rotation === 270;
  const size = crop ? (turned ? { width: crop.h, height: crop.w } : { width: crop.w, height: crop.h }) : {};
  const scan = d.scan.value;
  return {
    ...media,
    video: [
      {
        ...v,
        ...size,
        fieldOrder: 'progressive',
        ...(scan.action !== 'none' ? { frameRate: scan.frameRate } : {}),
      },
      ...rest,
    ],
  };
}

/**
 * The decided filters into a plan made from `contentMedia` (the source's own MediaInfo for the
 * audio), and the QC that rides along (only the streams the audio pass reads are heard).
 */
export function applyContent(plan: TranscodePlan, d: ContentDecisions, media: MediaInfo, qc?: PlanQc): TranscodePlan {
  const pre = videoPreFilters(d);
  const scan = d.scan.value;
  const gains = d.loudness.map((x) => x.value);
  return {
    ...plan,
    ...(pre.length ? { preFilters: pre } : {}),
    ...(qc ? { qc: { ...qc, audio: qc.audio.filter((a) => plan.audio.some((r) => r.streamIndex === a.index)) } } : {}),
    // The rungs' rate is the decision's (inverse telecine 4/5, a field per frame 2×): said explicitly,
    // so the encode's resume counts frames at the rate it writes.
    ...(scan.action !== 'none' && !plan.frameRate ? { frameRate: scan.frameRate } : {}),
    audio: plan.audio.map((a) => {
      const channels = media.audio.find((s) => s.index === a.streamIndex)?.channels ?? 2;
      const filter = renditionAudioFilter(gains, a, channels);
      return filter ? { ...a, filter } : a;
    }),
  };
}
