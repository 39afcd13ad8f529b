/**
 * Where each chunk of a chunk map is drawn, pure. A title's renditions run one after another, each
 * a block of lines that wrap at the width available — so a 10,000-chunk title is lines of readable
 * cells, not one row 50,000 pixels wide (past a canvas's limit) — and the overview compresses each
 * rendition into one strip the width of the map, each pixel showing the worst state of its chunks.
 */
import type { ChunkMap, ChunkState } from '../../electron/common/library';

export const LABEL = 76;
export const GAP = 1;
const BLOCK_GAP = 6;

export interface ChunkLayout {
  cell: number;
  perLine: number;
  lineHeight: number;
  /** Top of each rendition's block, and its number of lines. */
  blocks: Array<{ top: number; lines: number }>;
  width: number;
  height: number;
}

/** Big cells for a short title, small but still pointable ones for thousands. */
const cellFor = (chunks: number): number => (chunks <= 60 ? 14 : chunks <= 600 ? 9 : 6);

export function layoutChunkMap(map: Pick<ChunkMap, 'rows'>, width: number): ChunkLayout {
  const most = Math.max(1, ...map.rows.map((r) => r.cells.length));
  const cell = cellFor(most);
  const perLine = Math.max(1, Math.min(most, Math.floor((width - LABEL) / (cell + GAP))));
  const lineHeight = cell + GAP + (cell >= 9 ? 2 : 1);
  let top = 0;
  const blocks = map.rows.map((r) => {
    const lines = Math.max(1, Math.ceil(r.cells.length / perLine));
    const b = { top, lines };
    top += lines * lineHeight + BLOCK_GAP;
    return b;
  });
  return {
    cell,
    perLine,
    lineHeight,
    blocks,
    width: LABEL + perLine * (cell + GAP),
    height: Math.max(0, top - BLOCK_GAP),
  };
}

/** The cell under a point of the map (CSS pixels from its top left), if any. */
export function cellAt(
  layout: ChunkLayout,
  map: Pick<ChunkMap, 'rows'>,
  x: number,
  y: number,
): { row: number; index: number } | undefined {
  const col = Math.floor((x - LABEL) / (layout.cell + GAP));
  if (col < 0 || col >= layout.perLine) return undefined;
  const row = layout.blocks.findIndex((b) => y >= b.top && y < b.top + b.lines * layout.lineHeight);
  if (row < 0) return undefined;
  const index = Math.floor((y - layout.blocks[row]!.top) / layout.lineHeight) * layout.perLine + col;
  return index < map.rows[row]!.cells.length ? { row, index } : undefined;
}

/** Which state wins when many chunks share one pixel of the overview: what needs someone first. */
const WORST: ChunkState[] = ['problem', 'repaired', 'verified', 'origin', 'proven'];

/** One rendition squeezed into `pixels` columns: each the worst state among the chunks it covers. */
export function overviewColumns(states: ChunkState[], pixels: number): ChunkState[] {
  const n = states.length;
  if (n === 0) return [];
  const cols = Math.min(pixels, n);
  const out: ChunkState[] = [];
  for (let x = 0; x < cols; x++) {
    let worst = WORST.length - 1;
    for (let i = Math.floor((x * n) / cols); i < Math.floor(((x + 1) * n) / cols); i++)
      worst = Math.min(worst, WORST.indexOf(states[i]!));
    out.push(WORST[worst]!);
  }
  return out;
}
