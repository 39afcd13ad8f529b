/**
 * The active picture: where a letterboxed (2.39 in 16:9) or pillarboxed (4:3 in 16:9) film really
 * is. `cropdetect` measures every sampled frame on its own (reset=1); the film's extent is, per
 * edge, the outermost position reached by at least a few frames — so any shot that uses more of the
 * frame wins (never crop into picture), while a single flash frame or a speck in a bar does not.
 * Dark scenes and credits (text on black) measure smaller than the film and so never decide.
 * Agreement — the share of frames whose picture reaches that edge exactly — tells hard bars (most
 * frames touch them) from a dark or vignetted picture (edges scattered), which is not cropped.
 */
import type { CropAnalysis, CropRect } from '../../common/analysis.js';
import type { MetadataFrame } from './metadata-log.js';
import { num } from './metadata-log.js';

/** Output label of the crop branch. */
export const CROP_OUTPUT = 'crop_out';

/**
 * cropdetect's black threshold as a share of the range (24 of 255, its default for 8-bit; as a
 * share it scales to 10-bit masters, where a bare 24 would count black bars as picture).
 */
export const CROP_LIMIT = 0.094;

export function cropGraph(input: string, file: string): string {
  return `${input}cropdetect=limit=${CROP_LIMIT}:round=2:reset=1:skip=0,metadata=print:file=${file}[${CROP_OUTPUT}]`;
}

export interface FrameExtent {
  x1: number;
  x2: number;
  y1: number;
  y2: number;
  time: number;
}

/** Per-frame extents from cropdetect's metadata; all-black frames (nothing found) are left out. */
export function cropExtents(frames: MetadataFrame[], offsetSec: number): FrameExtent[] {
  const out: FrameExtent[] = [];
  for (const f of frames) {
    const e = {
      x1: num(f, 'lavfi.cropdetect.x1'),
      x2: num(f, 'lavfi.cropdetect.x2'),
      y1: num(f, 'lavfi.cropdetect.y1'),
      y2: num(f, 'lavfi.cropdetect.y2'),
      time: offsetSec + (Number.isFinite(f.time) ? f.time : 0),
    };
    if ([e.x1, e.x2, e.y1, e.y2].every(Number.isFinite) && e.x2 > e.x1 && e.y2 > e.y1) out.push(e);
  }
  return out;
}

/** Frames that must reach an edge before it counts: a few, or 1 % of a long sample. */
export const edgeQuorum = (measured: number): number => Math.max(3, Math.ceil(measured * 0.01));

export function summariseCrop(extents: FrameExtent[], frames: number, width: number, height: number): CropAnalysis {
  const base = { width, height, measured: extents.length, frames };
  if (extents.length === 0) return { ...base, agreement: { left: 0, right: 0, top: 0, bottom: 0 } };
  const k = Math.min(edgeQuorum(extents.length), extents.length) - 1;
  const kth = (values: number[], outward: 'low' | 'high'): number => {
    const sorted = [...values].sort((a, b) => (outward === 'low' ? a - b : b - a));
    return sorted[k]!;
  };
  const left = kth(
    extents.map((e) => e.x1),
    'low',
  );
  const right = kth(
    extents.map((e) => e.x2),
    'high',
  );
  const top = kth(
    extents.map((e) => e.y1),
    'low',
  );
  const bottom = kth(
    extents.map((e) => e.y2),
    'high',
  );
  const tolX = Math.max(2, width * 0.005);
  const tolY = Math.max(2, height * 0.005);
  const share = (pick: (e: FrameExtent) => number, edge: number, tol: number): number =>
    Math.round((extents.filter((e) => Math.abs(pick(e) - edge) <= tol).length / extents.length) * 1000) / 1000;
  const extent: CropRect = { x: left, y: top, w: right - left + 1, h: bottom - top + 1 };
  return {
    ...base,
    extent,
    agreement: {
      left: share((e) => e.x1, left, tolX),
      right: share((e) => e.x2, right, tolX),
      top: share((e) => e.y1, top, tolY),
      bottom: share((e) => e.y2, bottom, tolY),
    },
  };
}
