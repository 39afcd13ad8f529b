/**
 * The queue as a dense, virtualised grid: a sortable header and a row per title (group headings
 * between them when grouped) — only the rows in view are in the DOM, so 300 titles cost what 20 do.
 * Keyboard (focus on the grid): ↑/↓/Home/End move the current title (its detail is beside the
 * table), Shift extends the selection, Space toggles it, Ctrl/⌘+A selects every title shown, P
 * pauses or resumes, Delete cancels — the selection when several titles are selected.
 */
import { memo, useCallback, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { StationApi } from '../../../electron/common/api';
import type { QueueItem, QueueQuery, SortKey } from './queue-model';
import { QueueRow, ROW_HEIGHT } from './QueueRow';
import type { Selection } from './useSelection';
import { useQueueKeys } from './useQueueKeys';

const COLUMNS: Array<{ key: SortKey | undefined; label: string; className: string }> = [
  { key: undefined, label: 'Select', className: 'qcell--select' },
  { key: 'title', label: 'Title', className: 'qcell--title' },
  { key: 'folder', label: 'Folder', className: 'qcell--folder' },
  { key: 'stage', label: 'Stage', className: 'qcell--stage' },
  { key: 'progress', label: 'Progress', className: 'qcell--progress' },
  { key: 'size', label: 'Size', className: 'qcell--size' },
  { key: 'state', label: 'State', className: 'qcell--state' },
  { key: undefined, label: 'Action', className: 'qcell--action' },
];

export interface QueueTableProps {
  items: QueueItem[];
  total: number;
  station: StationApi;
  query: QueueQuery;
  onSort(key: SortKey): void;
  selection: Selection;
  onToggleGroup(key: string): void;
}

const Header = memo(function Header({ query, onSort }: Pick<QueueTableProps, 'query' | 'onSort'>) {
  return (
    <div className="qhead" role="row" aria-rowindex={1}>
      {COLUMNS.map((c) => {
        const sorted = c.key !== undefined && query.sort === c.key;
        return (
          <span
            key={c.label}
            role="columnheader"
            className={`qcell ${c.className}`}
            aria-sort={sorted ? (query.descending ? 'descending' : 'ascending') : undefined}
          >
            {c.key ? (
              <button type="button" className="qhead__sort" onClick={() => onSort(c.key!)}>
                {c.label}
                <span aria-hidden="true">{sorted ? (query.descending ? ' ▾' : ' ▴') : ''}</span>
              </button>
            ) : (
              <span className="visually-hidden">{c.label}</span>
            )}
          </span>
        );
      })}
    </div>
  );
});

export function QueueTable(props: QueueTableProps): React.JSX.Element {
  const { items, selection, station } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  // The app is not built with the React Compiler, whose memoisation this rule protects.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    getItemKey: (i) => {
      const it = items[i]!;
      return it.kind === 'job' ? it.job.id : `group:${it.key}`;
    },
    overscan: 8,
  });
  const order = useRef<string[]>([]);
  order.current = items.flatMap((it) => (it.kind === 'job' ? [it.job.id] : []));
  const onPick = useCallback(
    (id: string, how: 'one' | 'toggle' | 'range') => selection.select(id, how, order.current),
    [selection],
  );
  const indexOf = (id: string): number => items.findIndex((it) => it.kind === 'job' && it.job.id === id);
  const onKeyDown = useQueueKeys({
    order,
    selection,
    station,
    scrollTo: (id) => virtualizer.scrollToIndex(indexOf(id)),
    stateOf: (id) => {
      const it = items[indexOf(id)];
      return it?.kind === 'job' ? it.job.state : undefined;
    },
  });
  return (
    <div
      ref={scrollRef}
      className="qtable"
      role="grid"
      aria-multiselectable="true"
      aria-rowcount={items.length + 1}
      aria-label={`Titles (${props.total}) — arrow keys move, Space selects, P pauses or resumes, Delete cancels`}
      aria-activedescendant={
        selection.current && order.current.includes(selection.current) ? `qrow-${selection.current}` : undefined
      }
      tabIndex={0}
      onKeyDown={onKeyDown}
      data-testid="job-list"
    >
      <Header query={props.query} onSort={props.onSort} />
      <div role="rowgroup" className="qbody" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((v) => {
          const it = items[v.index]!;
          if (it.kind === 'group')
            return (
              <GroupRow
                key={v.key}
                item={it}
                index={v.index}
                top={v.start}
                onToggle={props.onToggleGroup}
                selection={selection}
              />
            );
          return (
            <QueueRow
              key={v.key}
              job={it.job}
              station={station}
              index={v.index}
              top={v.start}
              selected={selection.selected.has(it.job.id)}
              current={selection.current === it.job.id}
              onPick={onPick}
            />
          );
        })}
      </div>
    </div>
  );
}

function GroupRow({
  item,
  index,
  top,
  onToggle,
  selection,
}: {
  item: Extract<QueueItem, { kind: 'group' }>;
  index: number;
  top: number;
  onToggle(key: string): void;
  selection: Selection;
}): React.JSX.Element {
  return (
    <div
      className="qgroup"
      role="row"
      aria-rowindex={index + 2}
      style={{ transform: `translateY(${top}px)` }}
      data-testid="queue-group"
    >
      <span role="gridcell" className="qgroup__cell" aria-colspan={COLUMNS.length}>
        <button
          type="button"
          className="qgroup__toggle"
          aria-expanded={!item.collapsed}
          onClick={() => onToggle(item.key)}
        >
          <span aria-hidden="true">{item.collapsed ? '▸' : '▾'}</span> {item.label}
        </button>
        <span className="qgroup__count">{item.ids.length} titles</span>
        <button type="button" className="qgroup__select" onClick={() => selection.selectAll(item.ids)}>
          Select these
        </button>
      </span>
    </div>
  );
}
