/**
 * What the selected titles can be told at once: pause, resume, retry from the failed stage, run
 * first, cancel (asked twice: it cannot be undone), and title IDs from a sheet (CSV: file,title_id
 * [,replace] — the same sheet the CLI's --titles reads, matched by each master's file name).
 */
import { useEffect, useRef, useState } from 'react';
import type { StationApi } from '../../../electron/common/api';
import type { BatchAction } from '../../../electron/common/jobs';
import { useAppShell } from '../app-context';
import { applySheet, runBatchAction } from './batch';
import type { Selection } from './useSelection';

const ACTIONS: Array<{ action: Exclude<BatchAction, 'cancel'>; label: string }> = [
  { action: 'pause', label: 'Pause' },
  { action: 'resume', label: 'Resume' },
  { action: 'retry', label: 'Retry failed' },
  { action: 'top', label: 'Run first' },
];

export function SelectionBar({
  station,
  selection,
  shown,
}: {
  station: StationApi;
  selection: Selection;
  /** Titles the table shows (Select all takes these). */
  shown: string[];
}): React.JSX.Element {
  const shell = useAppShell();
  const ids = [...selection.selected];
  const [armed, setArmed] = useState(false);
  const file = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (!armed) return;
    const t = setTimeout(() => setArmed(false), 5000);
    return () => clearTimeout(t);
  }, [armed]);
  const none = ids.length === 0;
  return (
    <div className="selbar" role="toolbar" aria-label="Selected titles" data-testid="selection-bar">
      <span className="selbar__count" data-testid="selection-count">
        {none ? 'None selected' : `${ids.length} selected`}
      </span>
      <button type="button" onClick={() => selection.selectAll(shown)} disabled={shown.length === 0}>
        Select all shown
      </button>
      {ACTIONS.map((a) => (
        <button
          key={a.action}
          type="button"
          disabled={none}
          onClick={() => void runBatchAction(station, shell, ids, a.action)}
        >
          {a.label}
        </button>
      ))}
      <button
        type="button"
        className={armed ? 'danger' : undefined}
        disabled={none}
        onClick={() => {
          if (!armed) return setArmed(true);
          setArmed(false);
          void runBatchAction(station, shell, ids, 'cancel');
        }}
      >
        {armed ? `Confirm: cancel ${ids.length}` : 'Cancel…'}
      </button>
      <button type="button" disabled={none} onClick={() => file.current?.click()}>
        Title IDs from CSV…
      </button>
      <input
        ref={file}
        type="file"
        accept=".csv,text/csv"
        className="visually-hidden"
        tabIndex={-1}
        aria-label="Title sheet (CSV: file, title_id, replace)"
        data-testid="title-sheet-input"
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void applySheet(station, shell, ids, f);
        }}
      />
      {!none && (
        <button type="button" className="linkish" onClick={selection.clear}>
          Clear
        </button>
      )}
    </div>
  );
}
