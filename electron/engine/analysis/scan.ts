/**
 * Telecine and interlace, from the fields — not from the container's field_order, which old
 * transfers get wrong (a 3:2 pulled-down film or a PAL video master flagged progressive).
 *
 * One decode feeds three measurements (`split`):
 *  - `idet` on the picture as it is: is each frame combed (its multi-frame decision, TFF/BFF), and
 *    which field repeats the previous frame's (a 3:2 pull-down repeats one field in two of every
 *    five frames: N N T N B);
 *  - `fieldmatch` (top field first, and bottom field first), `decimate`, then `idet` again: does
 *    matching fields across frames remove the combing? It does for telecine and for field-shifted
 *    progressive (2:2 with a one-field offset); it cannot for video shot a field at a time. The
 *    duplicates are dropped before measuring: idet compares each frame with its neighbours, and a
 *    repeated neighbour reads as combing (measured: 42 of 180 matched frames "BFF" without decimate,
 *    none with it).
 * Only the luma is measured (`format=gray`): cheaper, and immune to chroma that an earlier
 * conversion smeared across fields. Wide pictures are narrowed to 720 columns first — a horizontal
 * scale keeps every line, so the fields survive it — which makes the three branches a fraction of
 * the decode's cost at 1080p.
 */
import type { ScanAnalysis, ScanKind, ScanSlice } from '../../common/analysis.js';
import { SCAN_KINDS } from '../../common/analysis.js';
import type { MetadataFrame } from './metadata-log.js';

export interface ScanFiles {
  raw: string;
  tff: string;
  bff: string;
}

/** Output labels of the scan branches (each must be mapped to an output or end in a sink). */
export const SCAN_OUTPUTS = ['scan_raw', 'scan_tff', 'scan_bff'] as const;

/** Columns the scan measures at most (wider pictures are narrowed horizontally). */
export const SCAN_WIDTH = 720;

/** The scan's filter-graph fragment: `input` is a video pad label ("[0:1]"), files are relative to ffmpeg's cwd. */
export function scanGraph(input: string, width: number, files: ScanFiles): string {
  const narrow = width > SCAN_WIDTH ? `,scale=${SCAN_WIDTH}:ih:flags=area` : '';
  const matched = (order: 'tff' | 'bff', file: string, out: string): string =>
    `[s${order}]fieldmatch=order=${order}:combmatch=full,decimate,idet,metadata=print:file=${file}[${out}]`;
  return [
    `${input}format=gray${narrow},split=3[sraw][stff][sbff]`,
    `[sraw]idet,metadata=print:file=${files.raw}[${SCAN_OUTPUTS[0]}]`,
    matched('tff', files.tff, SCAN_OUTPUTS[1]),
    matched('bff', files.bff, SCAN_OUTPUTS[2]),
  ].join(';');
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
