/** The queue grid's keyboard: moving the current title, extending and toggling the selection, P and Delete. */
import type { RefObject } from 'react';
import type { StationApi } from '../../../electron/common/api';
import type { BatchAction, JobState } from '../../../electron/common/jobs';
import { useAppShell } from '../app-context';
import { runBatchAction } from './batch';
import type { Selection } from './useSelection';

export function useQueueKeys({
  order,
  selection,
  station,
  scrollTo,
  stateOf,
}: {
  /** The titles shown, in table order. */
  order: RefObject<string[]>;
  selection: Selection;
  station: StationApi;
  scrollTo(id: string): void;
  stateOf(id: string): JobState | undefined;
}): (e: React.KeyboardEvent) => void {
  const shell = useAppShell();
  const batch = (action: BatchAction | 'toggle-pause'): void => {
    const ids = selection.selected.size > 1 ? [...selection.selected] : selection.current ? [selection.current] : [];
    if (ids.length === 0) return;
    // P: pause, or resume when every one of them is paused.
    const act = action !== 'toggle-pause' ? action : ids.every((id) => stateOf(id) === 'paused') ? 'resume' : 'pause';
    void runBatchAction(station, shell, ids, act);
  };

  return (e) => {
    const target = e.target as HTMLElement;
    if (target.tagName === 'BUTTON' || target.tagName === 'INPUT') return;
    const ids = order.current;
    const at = selection.current ? ids.indexOf(selection.current) : -1;
    const move = (to: number): void => {
      const id = ids[Math.min(ids.length - 1, Math.max(0, to))];
      if (!id) return;
      selection.select(id, e.shiftKey ? 'range' : 'one', ids);
      scrollTo(id);
    };
    const keys: Record<string, (() => void) | undefined> = {
      ArrowDown: () => move(at + 1),
      ArrowUp: () => move(at - 1),
      Home: () => move(0),
      End: () => move(ids.length - 1),
      ' ': () => selection.current && selection.select(selection.current, 'toggle', ids),
      a: e.ctrlKey || e.metaKey ? () => selection.selectAll(ids) : undefined,
      Escape: () => selection.clear(),
      p: () => batch('toggle-pause'),
      Delete: () => batch('cancel'),
    };
    const act = keys[e.key.length === 1 ? e.key.toLowerCase() : e.key];
    if (!act) return;
    e.preventDefault();
    act();
  };
}
