/**
 * Telecine and interlace, from the fields — not from the container's field_order, which old
 * transfers get wrong (a 3:2 pulled-down film or a PAL video master flagged progressive).
 *
 * Two measurements, the second only where the first finds combing:
 *  - `idet` on the picture as it is (beside the crop measurement, one decode): is each frame combed
 *    (its multi-frame decision, TFF/BFF), and which field repeats the previous frame's (a 3:2
 *    pull-down repeats one field in two of every five frames: N N T N B);
 *  - for a window with combed slices, `fieldmatch` in the field order idet saw (and `decimate`
 *    where fields repeat), then `idet` again: does matching fields across frames remove the
 *    combing? It does for telecine and for field-shifted progressive (2:2 with a one-field
 *    offset); it cannot for video shot a field at a time. A progressive film never pays for field
 *    matching (on 1080p ProRes it costs as much CPU as the decode itself).
 * idet measures the luma only (`extractplanes=y`, its values untouched): cheaper, and immune to
 * chroma that an earlier conversion smeared across fields. Wide pictures are narrowed to 720
 * columns first — a horizontal scale keeps every line, so the fields survive it.
 */
import type { ScanAnalysis, ScanKind, ScanSlice } from '../../common/analysis.js';
import { SCAN_KINDS } from '../../common/analysis.js';
import type { MetadataFrame } from './metadata-log.js';

/** Output label of a scan branch (mapped to a null output). */
export const SCAN_OUTPUT = 'scan_out';

/** Columns the scan measures at most (wider pictures are narrowed horizontally). */
export const SCAN_WIDTH = 720;

const luma = (width: number): string =>
  `extractplanes=y${width > SCAN_WIDTH ? `,scale=${SCAN_WIDTH}:ih:flags=area` : ''},format=gray`;

/** The first measurement's fragment: `input` is a video pad label, `file` relative to ffmpeg's cwd. */
export function rawScanGraph(input: string, width: number, file: string): string {
  return `${input}${luma(width)},idet,metadata=print:file=${file}[${SCAN_OUTPUT}]`;
}

/**
 * The second measurement's fragment: the fields matched in `order` on the colour picture — as the
 * encode's own inverse telecine will match them (luma alone mismatched 30 of 144 frames of a
 * generated telecine that colour matching got right) — then idet on the luma. A pulled-down window
 * drops its duplicates first (`decimate`: idet compares each frame with its neighbours, and a
 * repeated one reads as combing — 42 of 180 matched frames "BFF" without it, none with it); a
 * window without repeats must not (a dropped frame is a jump, which reads as combing too: 85 % of a
 * generated 2:2 field-shifted window).
 */
export function matchedScanGraph(
  input: string,
  width: number,
  m: { order: 'tff' | 'bff'; pulledDown: boolean },
  file: string,
): string {
  const narrow = width > SCAN_WIDTH ? `scale=${SCAN_WIDTH}:ih:flags=area,` : '';
  const decimate = m.pulledDown ? 'decimate,' : '';
  return `${input}${narrow}fieldmatch=order=${m.order}:combmatch=full,${decimate}extractplanes=y,idet,metadata=print:file=${file}[${SCAN_OUTPUT}]`;
}

/**
 * Whether a window needs the second measurement: any combed slice. Then the field order most combed
 * frames show, and whether fields repeat in a 3:2 cadence (so the matched frames hold duplicates).
 */
export function matchPlan(
  raw: MetadataFrame[],
  slices: ScanSlice[],
): { order: 'tff' | 'bff'; pulledDown: boolean } | undefined {
  const combed = slices.filter((s) => s.frames >= MIN_JUDGED && s.combed >= COMBED_SLICE);
  if (combed.length === 0) return undefined;
  let tff = 0;
  let bff = 0;
  for (const f of raw) {
    const d = multi(f);
    if (d === 'tff') tff++;
    if (d === 'bff') bff++;
  }
  return { order: tff >= bff ? 'tff' : 'bff', pulledDown: combed.some((s) => s.cadence >= CADENCE_SLICE) };
}

export interface ScanFrames {
  raw: MetadataFrame[];
  tff: MetadataFrame[];
  bff: MetadataFrame[];
}

// A slice is combed when this share of its judged frames is; matching "works" when it leaves at most
// this share combed; a 3:2 cadence is claimed when this share of frames follows it. Measured on
// generated telecine (cadence 0.96–1.0, combed after matching 0) and 25i/29.97i video (combed after
// matching 0.7–1.0); real film cuts break the cadence for a frame or two.
export const COMBED_SLICE = 0.2;
export const MATCHED_SLICE = 0.3;
export const CADENCE_SLICE = 0.3;
/** Fewer judged frames than this and a slice says nothing. */
export const MIN_JUDGED = 8;

const multi = (f: MetadataFrame): string | undefined => f.values.get('lavfi.idet.multiple.current_frame');
const repeated = (f: MetadataFrame): string => f.values.get('lavfi.idet.repeated.current_frame') ?? 'neither';

/**
 * Per frame: does it sit in a 3:2 cadence? A block of five frames with exactly one repeated top
 * field and one repeated bottom field, repeated by the block before or after it. Still pictures
 * repeat nothing and so are never in cadence (honest: they show no pull-down).
 */
export function cadenceFlags(labels: string[]): boolean[] {
  const code = labels.map((l) => (l === 'top' ? 'T' : l === 'bottom' ? 'B' : 'N'));
  const inCadence = new Array<boolean>(code.length).fill(false);
  const block = (s: number): string | undefined =>
    s >= 0 && s + 5 <= code.length ? code.slice(s, s + 5).join('') : undefined;
  const pulledDown = (b: string | undefined): boolean => !!b && b.split('T').length === 2 && b.split('B').length === 2;
  for (let s = 0; s + 5 <= code.length; s++) {
    const b = block(s);
    if (!pulledDown(b) || (b !== block(s + 5) && b !== block(s - 5))) continue;
    for (let i = s; i < s + 5; i++) inCadence[i] = true;
  }
  return inCadence;
}

interface SliceCount {
  judged: number;
  combed: number;
  tff: number;
  bff: number;
  cadence: number;
  matched: Record<'tff' | 'bff', { judged: number; combed: number }>;
}

const emptyCount = (): SliceCount => ({
  judged: 0,
  combed: 0,
  tff: 0,
  bff: 0,
  cadence: 0,
  matched: { tff: { judged: 0, combed: 0 }, bff: { judged: 0, combed: 0 } },
});

export function classifySlice(c: SliceCount): Omit<ScanSlice, 'start' | 'end'> {
  const fieldOrder = c.tff + c.bff === 0 ? undefined : c.tff >= c.bff ? ('tff' as const) : ('bff' as const);
  const m = c.matched[fieldOrder ?? 'tff'];
  const combed = c.judged ? c.combed / c.judged : 0;
  const cadence = c.judged ? c.cadence / c.judged : 0;
  const combedAfterMatch = m.judged ? m.combed / m.judged : 0;
  let kind: ScanKind;
  if (c.judged < MIN_JUDGED) kind = 'undetermined';
  else if (combed < COMBED_SLICE) kind = 'progressive';
  else if (combedAfterMatch <= MATCHED_SLICE) kind = cadence >= CADENCE_SLICE ? 'telecine' : 'field-shifted';
  else kind = 'interlaced';
  const r = (x: number): number => Math.round(x * 1000) / 1000;
  return {
    frames: c.judged,
    combed: r(combed),
    cadence: r(cadence),
    combedAfterMatch: r(combedAfterMatch),
    ...(fieldOrder ? { fieldOrder } : {}),
    kind,
  };
}

/**
 * One window's frames → slices of about `sliceSec` on the master's timeline (`offsetSec` is the
 * window's start), so a film that changes between telecined and video sections shows where.
 */
export function scanSlices(frames: ScanFrames, offsetSec: number, durationSec: number, sliceSec = 2): ScanSlice[] {
  const n = Math.max(1, Math.round(durationSec / sliceSec));
  const len = durationSec / n;
  const counts = Array.from({ length: n }, emptyCount);
  const at = (f: MetadataFrame): SliceCount | undefined =>
    Number.isFinite(f.time) ? counts[Math.min(n - 1, Math.max(0, Math.floor(f.time / len)))] : undefined;
  const inCadence = cadenceFlags(frames.raw.map(repeated));
  frames.raw.forEach((f, i) => {
    const c = at(f);
    const d = multi(f);
    if (!c || !d || d === 'undetermined') return;
    c.judged++;
    if (d === 'tff' || d === 'bff') {
      c.combed++;
      c[d]++;
    }
    if (inCadence[i]) c.cadence++;
  });
  for (const order of ['tff', 'bff'] as const)
    for (const f of frames[order]) {
      const c = at(f);
      const d = multi(f);
      if (!c || !d || d === 'undetermined') continue;
      c.matched[order].judged++;
      if (d === 'tff' || d === 'bff') c.matched[order].combed++;
    }
  return counts.map((c, i) => ({
    start: Math.round((offsetSec + i * len) * 1000) / 1000,
    end: Math.round((offsetSec + (i + 1) * len) * 1000) / 1000,
    ...classifySlice(c),
  }));
}

export function summariseScan(slices: ScanSlice[]): ScanAnalysis {
  const frames = Object.fromEntries(SCAN_KINDS.map((k) => [k, 0])) as Record<ScanKind, number>;
  let tff = 0;
  let bff = 0;
  let cadence = 0;
  let judged = 0;
  for (const s of slices) {
    frames[s.kind] += s.frames;
    judged += s.frames;
    cadence += s.cadence * s.frames;
    const combed = s.combed * s.frames;
    if (s.fieldOrder === 'tff') tff += combed;
    if (s.fieldOrder === 'bff') bff += combed;
  }
  return {
    slices,
    frames,
    ...(tff + bff > 0 ? { fieldOrder: tff >= bff ? ('tff' as const) : ('bff' as const) } : {}),
    cadence: judged ? Math.round((cadence / judged) * 1000) / 1000 : 0,
  };
}
