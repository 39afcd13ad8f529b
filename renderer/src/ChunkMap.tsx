/**
 * A title's chunk map: every chunk a cell, coloured by what the station knows of it — one block per
 * rendition, its chunks in time order wrapping at the width available (chunk-layout.ts), and above
 * them an overview strip per rendition that shows the whole title at once (each pixel the worst state
 * of its chunks). Drawn on canvases (10,000 chunks would be 10,000 DOM nodes otherwise); the counts
 * and every problem chunk are also written out as text, and the cell under the pointer is named, so
 * nothing is only a colour.
 */
import { useEffect, useRef, useState } from 'react';
import { CHUNK_STATES, type ChunkMap as ChunkMapData, type ChunkState } from '../../electron/common/library';
import type { StationApi } from '../../electron/common/api';
import { errorText } from './errors';
import { cellAt, GAP, LABEL, layoutChunkMap, overviewColumns, type ChunkLayout } from './chunk-layout';

export const CHUNK_STATE_LABELS: Record<ChunkState, string> = {
  verified: 'verified',
  origin: 'at origin',
  proven: 'proven',
  problem: 'problem',
  repaired: 'repaired',
};

/** One home for the colours: the canvases read the same CSS variables the legend shows. */
function colours(el: Element): Record<ChunkState, string> {
  const style = getComputedStyle(el);
  return Object.fromEntries(
    CHUNK_STATES.map((s) => [s, style.getPropertyValue(`--chunk-${s}`).trim() || '#888']),
  ) as Record<ChunkState, string>;
}

/**
 * A canvas sized in CSS pixels, drawn at the screen's density, cleared, its text set for labels;
 * returns its context, the state colours and the text colour (all from the stylesheet).
 */
function prepare(
  c: HTMLCanvasElement,
  width: number,
  height: number,
): { g: CanvasRenderingContext2D; fill: Record<ChunkState, string>; ink: string } | undefined {
  const ratio = window.devicePixelRatio || 1;
  c.width = Math.max(1, Math.round(width * ratio));
  c.height = Math.max(1, Math.round(height * ratio));
  c.style.width = `${width}px`;
  c.style.height = `${height}px`;
  const g = c.getContext('2d');
  if (!g) return undefined;
  g.scale(ratio, ratio);
  g.clearRect(0, 0, width, height);
  g.font = '10px system-ui, sans-serif';
  g.textBaseline = 'middle';
  return { g, fill: colours(c), ink: getComputedStyle(c).color };
}

const renditionName = (r: string): string => r.replace(/^audio\//, '♪ ').slice(0, 12);

function drawGrid(c: HTMLCanvasElement, map: ChunkMapData, layout: ChunkLayout): void {
  const p = prepare(c, layout.width, layout.height);
  if (!p) return;
  const { g, fill, ink } = p;
  map.rows.forEach((row, r) => {
    const { top, lines } = layout.blocks[r]!;
    g.fillStyle = ink;
    g.fillText(renditionName(row.rendition), 0, top + layout.lineHeight / 2);
    // Further lines say the number of their first chunk (where in the title it is), as often as the text fits.
    const every = Math.ceil(14 / layout.lineHeight);
    for (let line = every; line < lines; line += every)
      g.fillText(`#${line * layout.perLine}`, 8, top + line * layout.lineHeight + layout.lineHeight / 2);
    row.cells.forEach((cell, i) => {
      g.fillStyle = fill[cell.state];
      const x = LABEL + (i % layout.perLine) * (layout.cell + GAP);
      const y = top + Math.floor(i / layout.perLine) * layout.lineHeight;
      g.fillRect(x, y, layout.cell, layout.cell);
    });
  });
}

const STRIP = 12;
function drawOverview(c: HTMLCanvasElement, map: ChunkMapData, width: number): void {
  const p = prepare(c, width, map.rows.length * (STRIP + 2));
  if (!p) return;
  const { g, fill, ink } = p;
  map.rows.forEach((row, r) => {
    const top = r * (STRIP + 2);
    g.fillStyle = ink;
    g.fillText(renditionName(row.rendition), 0, top + STRIP / 2);
    const cols = overviewColumns(
      row.cells.map((x) => x.state),
      width - LABEL,
    );
    const w = (width - LABEL) / Math.max(1, cols.length);
    cols.forEach((state, x) => {
      g.fillStyle = fill[state];
      g.fillRect(LABEL + x * w, top, Math.ceil(w), STRIP);
    });
    // A problem is never thinner than two pixels: one bad chunk in 10,000 must show.
    cols.forEach((state, x) => {
      if (state !== 'problem' && state !== 'repaired') return;
      g.fillStyle = fill[state];
      g.fillRect(LABEL + x * w - 1, top, Math.max(2, Math.ceil(w)) + 1, STRIP);
    });
  });
}

function useChunkMap(station: StationApi, jobId: string | undefined, titleId: string | undefined, revision: number) {
  const [map, setMap] = useState<ChunkMapData>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    // A new target remounts the component (its parents key it); a new revision replaces the map when it arrives.
    let live = true;
    station.chunkMap(jobId ? { jobId } : { titleId: titleId! }).then(
      (m) => live && (setMap(m), setError(undefined)),
      (e: unknown) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [station, jobId, titleId, revision]);
  return { map, error };
}

/** The width the map may use: its container's, followed as the panel is resized. */
function useWidth(ref: React.RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(([e]) => setWidth(Math.floor(e!.contentRect.width)));
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return width;
}

/** Of a queued title (`jobId`) or a library title (`titleId`); `revision` reloads it (a new audit). */
export function ChunkMap({
  station,
  jobId,
  titleId,
  revision = 0,
}: {
  station: StationApi;
  jobId?: string;
  titleId?: string;
  revision?: number;
}): React.JSX.Element {
  const { map, error } = useChunkMap(station, jobId, titleId, revision);
  const [hover, setHover] = useState<string>();
  const box = useRef<HTMLDivElement>(null);
  const grid = useRef<HTMLCanvasElement>(null);
  const overview = useRef<HTMLCanvasElement>(null);
  const width = Math.max(LABEL + 60, useWidth(box) - 14);
  const layout = map ? layoutChunkMap(map, width) : undefined;
  useEffect(() => {
    if (map && layout && grid.current) drawGrid(grid.current, map, layout);
    if (map && overview.current) drawOverview(overview.current, map, width);
  }, [map, layout?.perLine, layout?.cell, width]); // eslint-disable-line react-hooks/exhaustive-deps -- the layout follows from these

  if (error)
    return (
      <p className="banner banner--error" data-testid="chunk-map-error">
        {error}
      </p>
    );
  const total = map ? CHUNK_STATES.reduce((n, s) => n + map.counts[s], 0) : 0;
  const summary = map
    ? CHUNK_STATES.filter((s) => map.counts[s] > 0)
        .map((s) => `${map.counts[s]} ${CHUNK_STATE_LABELS[s]}`)
        .join(', ')
    : '';
  return (
    <figure
      className="chunkmap"
      data-testid="chunk-map"
      data-counts={map ? JSON.stringify(map.counts) : undefined}
      ref={box}
    >
      {!map || !layout ? (
        <p className="empty">Loading the chunk map…</p>
      ) : (
        <>
          <canvas ref={overview} className="chunkmap__overview" aria-hidden="true" />
          <div className="chunkmap__scroll" tabIndex={0} aria-label="Every chunk, by rendition (scrolls)">
            <canvas
              ref={grid}
              role="img"
              aria-label={`Chunk map of ${map.titleId}: ${total} chunks — ${summary}`}
              onMouseMove={(e) => {
                const r = e.currentTarget.getBoundingClientRect();
                const at = cellAt(layout, map, e.clientX - r.left, e.clientY - r.top);
                const cell = at && map.rows[at.row]!.cells[at.index]!;
                setHover(
                  cell
                    ? `${cell.path}: ${CHUNK_STATE_LABELS[cell.state]}${cell.detail ? ` — ${cell.detail}` : ''}`
                    : undefined,
                );
              }}
              onMouseLeave={() => setHover(undefined)}
            />
          </div>
          <ChunkCaption map={map} hover={hover} />
        </>
      )}
    </figure>
  );
}

function ChunkCaption({ map, hover }: { map: ChunkMapData; hover: string | undefined }): React.JSX.Element {
  const problems = map.rows.flatMap((r) => r.cells.filter((c) => c.state === 'problem' || c.state === 'repaired'));
  return (
    <figcaption>
      <ul className="chunkmap__legend">
        {CHUNK_STATES.map((s) => (
          <li key={s}>
            <span className={`chunkmap__swatch chunkmap__swatch--${s}`} aria-hidden="true" /> {CHUNK_STATE_LABELS[s]}{' '}
            {map.counts[s]}
          </li>
        ))}
      </ul>
      <p className="chunkmap__hover" aria-live="polite">
        {hover ?? (map.at ? `As of the audit at ${new Date(map.at).toLocaleString()}` : 'Not audited yet')}
      </p>
      {problems.length > 0 && (
        <ul className="chunkmap__problems" data-testid="chunk-map-problems">
          {problems.slice(0, 50).map((c) => (
            <li key={c.path}>
              <code>{c.path}</code> {CHUNK_STATE_LABELS[c.state]}
              {c.detail ? ` — ${c.detail}` : ''}
            </li>
          ))}
          {problems.length > 50 && <li>… {problems.length - 50} more</li>}
        </ul>
      )}
    </figcaption>
  );
}
