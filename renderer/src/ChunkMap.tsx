/**
 * A title's chunk map: every chunk a cell — one row per rendition, one column per segment in time
 * order — coloured by what the station knows of it. Drawn on a canvas (a 10,000-chunk title would be
 * 10,000 DOM nodes otherwise); the counts and every problem chunk are also written out as text, and
 * the cell under the pointer is named, so nothing is only a colour.
 */
import { useEffect, useRef, useState } from 'react';
import { CHUNK_STATES, type ChunkMap as ChunkMapData, type ChunkState } from '../../electron/common/library';
import type { StationApi } from '../../electron/common/api';
import { errorText } from './errors';

export const CHUNK_STATE_LABELS: Record<ChunkState, string> = {
  verified: 'verified',
  origin: 'at origin',
  proven: 'proven',
  problem: 'problem',
  repaired: 'repaired',
};

/** One home for the colours: the canvas reads the same CSS variables the legend shows. */
const cssVar = (el: Element, state: ChunkState): string =>
  getComputedStyle(el).getPropertyValue(`--chunk-${state}`).trim() || '#888';

const GAP = 1;
const LABEL = 72;
/** Big cells for a short title, small ones for 10,000 chunks. */
const cellFor = (columns: number): number => (columns <= 60 ? 14 : columns <= 200 ? 8 : 4);

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
  const [map, setMap] = useState<ChunkMapData>();
  const [error, setError] = useState<string>();
  const [hover, setHover] = useState<string>();
  const canvas = useRef<HTMLCanvasElement>(null);

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

  const columns = map ? Math.max(1, ...map.rows.map((r) => r.cells.length)) : 0;
  const CELL = cellFor(columns);
  const ROW = Math.max(CELL, 10) + 4;
  useEffect(() => {
    const c = canvas.current;
    if (!c || !map) return;
    const ratio = window.devicePixelRatio || 1;
    const width = LABEL + columns * (CELL + GAP);
    const height = map.rows.length * ROW;
    c.width = width * ratio;
    c.height = height * ratio;
    c.style.width = `${width}px`;
    c.style.height = `${height}px`;
    const g = c.getContext('2d');
    if (!g) return;
    g.scale(ratio, ratio);
    g.clearRect(0, 0, width, height);
    const colours = Object.fromEntries(CHUNK_STATES.map((s) => [s, cssVar(c, s)])) as Record<ChunkState, string>;
    g.font = '10px system-ui, sans-serif';
    g.textBaseline = 'middle';
    const ink = getComputedStyle(c).color;
    map.rows.forEach((row, y) => {
      const top = y * ROW;
      g.fillStyle = ink;
      g.fillText(row.rendition.replace(/^audio\//, '♪ ').slice(0, 12), 0, top + ROW / 2);
      row.cells.forEach((cell, x) => {
        g.fillStyle = colours[cell.state];
        g.fillRect(LABEL + x * (CELL + GAP), top + (ROW - CELL) / 2, CELL, CELL);
      });
    });
  }, [map, columns, CELL, ROW]);

  if (error)
    return (
      <p className="banner banner--error" data-testid="chunk-map-error">
        {error}
      </p>
    );
  if (!map) return <p className="empty">Loading the chunk map…</p>;
  const total = CHUNK_STATES.reduce((n, s) => n + map.counts[s], 0);
  const problems = map.rows.flatMap((r) => r.cells.filter((c) => c.state === 'problem' || c.state === 'repaired'));
  const summary = CHUNK_STATES.filter((s) => map.counts[s] > 0)
    .map((s) => `${map.counts[s]} ${CHUNK_STATE_LABELS[s]}`)
    .join(', ');
  return (
    <figure className="chunkmap" data-testid="chunk-map" data-counts={JSON.stringify(map.counts)}>
      <div className="chunkmap__scroll">
        <canvas
          ref={canvas}
          role="img"
          aria-label={`Chunk map of ${map.titleId}: ${total} chunks — ${summary}`}
          onMouseMove={(e) => {
            const r = e.currentTarget.getBoundingClientRect();
            const x = Math.floor((e.clientX - r.left - LABEL) / (CELL + GAP));
            const y = Math.floor((e.clientY - r.top) / ROW);
            const cell = x >= 0 ? map.rows[y]?.cells[x] : undefined;
            setHover(
              cell
                ? `${cell.path}: ${CHUNK_STATE_LABELS[cell.state]}${cell.detail ? ` — ${cell.detail}` : ''}`
                : undefined,
            );
          }}
          onMouseLeave={() => setHover(undefined)}
        />
      </div>
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
    </figure>
  );
}
