/**
 * The library's titles as a virtualised grid over the engine's pages: only the rows in view are in
 * the DOM, and only their pages are asked for; a row whose page has not arrived says so.
 */
import { useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { LibraryTitle } from '../../../electron/common/library';
import type { LibraryPages } from './useLibraryPages';

const ROW = 30;
/** "2026-12-06 10:17", local time: sortable by eye, and short enough for a column. */
export const when = (iso: string | undefined): string => {
  if (!iso) return 'never';
  const d = new Date(iso);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

function problemsText(t: LibraryTitle): string {
  if (t.restore) return `${t.problems.length} — waiting for the archive (${t.restore.detail})`;
  if (t.rebuild) return `${t.problems.length} — ${t.rebuild.detail}`;
  if (!t.problems.length) return 'none';
  // The key within the version: the title ID and version are in their own columns.
  const p = t.problems[0]!;
  const key =
    t.version && p.key.startsWith(`${t.titleId}/${t.version}/`)
      ? p.key.slice(t.titleId.length + t.version.length + 2)
      : p.key;
  return `${t.problems.length}: ${p.problem} ${key}`;
}

function Row({
  t,
  index,
  top,
  selected,
  onSelect,
}: {
  t: LibraryTitle | undefined;
  index: number;
  top: number;
  selected: boolean;
  onSelect(id: string): void;
}): React.JSX.Element {
  const style = { transform: `translateY(${top}px)` };
  if (!t)
    return (
      <div className="lrow lrow--loading" role="row" aria-rowindex={index + 2} style={style}>
        <span role="gridcell" className="lcell lcell--id">
          …
        </span>
      </div>
    );
  const bad = t.problems.length > 0;
  return (
    <div
      className={`lrow${bad ? ' lrow--bad' : ''}${selected ? ' lrow--selected' : ''}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      style={style}
      data-testid="library-title"
    >
      <span role="rowheader" className="lcell lcell--id">
        <button type="button" className="linkish" onClick={() => onSelect(t.titleId)}>
          {t.titleId}
        </button>
      </span>
      <span role="gridcell" className="lcell lcell--version">
        <code>{t.version ?? '—'}</code>
      </span>
      <span role="gridcell" className="lcell lcell--proven">
        {when(t.lastProvenWhole)}
      </span>
      <span role="gridcell" className="lcell lcell--problems" data-testid="library-problems" title={problemsText(t)}>
        {problemsText(t)}
      </span>
      <span role="gridcell" className="lcell lcell--num">
        {t.repairs}
      </span>
      <span role="gridcell" className="lcell lcell--num">
        {t.chunks ?? '—'}
      </span>
    </div>
  );
}

const HEADS = ['Title ID', 'Version', 'Proven whole', 'Problems', 'Repairs', 'Chunks'];
const HEAD_CLASS = ['lcell--id', 'lcell--version', 'lcell--proven', 'lcell--problems', 'lcell--num', 'lcell--num'];

export function LibraryTable({
  pages,
  total,
  selected,
  onSelect,
}: {
  pages: LibraryPages;
  total: number;
  selected: string | undefined;
  onSelect(id: string): void;
}): React.JSX.Element {
  const scrollRef = useRef<HTMLDivElement>(null);
  // The app is not built with the React Compiler, whose memoisation this rule protects.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW,
    overscan: 10,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items.at(-1)?.index ?? 0;
  const { want } = pages;
  useEffect(() => want(first, last), [want, first, last]);
  return (
    <div
      ref={scrollRef}
      className="ltable"
      role="grid"
      aria-rowcount={total + 1}
      aria-label={`Library titles (${total})`}
      tabIndex={0}
      data-testid="library-titles"
    >
      <div className="lhead" role="row" aria-rowindex={1}>
        {HEADS.map((h, i) => (
          <span key={h} role="columnheader" className={`lcell ${HEAD_CLASS[i]}`}>
            {h}
          </span>
        ))}
      </div>
      <div role="rowgroup" className="lbody" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((v) => {
          const t = pages.row(v.index);
          return (
            <Row
              key={t?.titleId ?? `row-${v.index}`}
              t={t}
              index={v.index}
              top={v.start}
              selected={!!t && t.titleId === selected}
              onSelect={onSelect}
            />
          );
        })}
      </div>
    </div>
  );
}
