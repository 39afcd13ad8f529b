/**
 * What the plan records of a DRM title: the options (scheme, systems, key split, clear lead,
 * rotation), checked against the rest of the plan — Common Encryption needs CMAF fMP4 segments.
 */
import { DrmError, type DrmOptions } from './keys.js';

export type { DrmOptions };

export function drmPlanOptions(drm: DrmOptions | undefined, segmentFormat: 'fmp4' | 'ts'): DrmOptions | undefined {
  if (!drm) return undefined;
  if (segmentFormat !== 'fmp4')
    throw new DrmError(
      'DRM (Common Encryption) protects CMAF fMP4 segments, not MPEG-TS: set segmentFormat to "fmp4" or turn DRM off',
      'drm-config',
    );
  return { ...drm, systems: [...drm.systems] };
}
