/**
 * The queue view: the day's titles in a dense, filterable, sortable, groupable table; the selection's
 * batch actions above it; the current title's detail in a resizable panel beside it. Drops are taken
 * anywhere in the window (App); the compact drop line here offers the picker and "hold".
 */
import { useMemo, useState } from 'react';
import type { StationApi } from '../../../electron/common/api';
import type { JobSnapshot } from '../../../electron/common/jobs';
import { DropZone, type MasterDrop } from '../DropZone';
import { JobDetail, type DetailTab } from '../JobDetail';
import { SidePanel } from '../SidePanel';
import { DEFAULT_QUERY, queueItems, type QueueQuery, type SortKey } from './queue-model';
import { QueueTable } from './QueueTable';
import { QueueToolbar } from './QueueToolbar';
import { SelectionBar } from './SelectionBar';
import type { Selection } from './useSelection';

export interface QueueViewProps {
  jobs: JobSnapshot[];
  station: StationApi;
  selection: Selection;
  tab: DetailTab;
  onTab(tab: DetailTab): void;
  drop: MasterDrop;
}

export function QueueView({ jobs, station, selection, tab, onTab, drop }: QueueViewProps): React.JSX.Element {
  const [query, setQuery] = useState<QueueQuery>(DEFAULT_QUERY);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const items = useMemo(() => queueItems(jobs, query, collapsed), [jobs, query, collapsed]);
  const shownIds = useMemo(() => items.flatMap((it) => (it.kind === 'job' ? [it.job.id] : [])), [items]);
  const first = items.find((it) => it.kind === 'job');
  const current = jobs.find((j) => j.id === selection.current) ?? (first?.kind === 'job' ? first.job : undefined);
  const onSort = (key: SortKey): void =>
    setQuery((q) => ({ ...q, sort: key, descending: q.sort === key ? !q.descending : false }));
  const onToggleGroup = (key: string): void =>
    setCollapsed((c) => {
      const next = new Set(c);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  return (
    <div className="queueview">
      <DropZone station={station} compact={jobs.length > 0} drop={drop} />
      {jobs.length > 0 && (
        <>
          <QueueToolbar
            query={query}
            onQuery={(p) => setQuery((q) => ({ ...q, ...p }))}
            shown={shownIds.length}
            total={jobs.length}
          />
          <SelectionBar station={station} selection={selection} shown={shownIds} />
        </>
      )}
      <div className="queueview__main">
        {jobs.length === 0 ? (
          <p className="empty">No titles yet. Drop source masters anywhere in the window, or choose files.</p>
        ) : (
          <QueueTable
            items={items}
            total={jobs.length}
            station={station}
            query={query}
            onSort={onSort}
            selection={selection}
            onToggleGroup={onToggleGroup}
          />
        )}
        {current && (
          <SidePanel
            id="queue-detail"
            label="Title detail"
            initial={Math.min(560, Math.max(360, Math.round(window.innerWidth / 3)))}
          >
            <JobDetail key={current.id} job={current} station={station} tab={tab} onTab={onTab} />
          </SidePanel>
        )}
      </div>
    </div>
  );
}
