/**
 * The queue's selection: the current title (its detail is open beside the table, the keyboard moves
 * it) and the set of selected titles batch actions apply to. A click selects one, Ctrl/⌘-click
 * toggles one, Shift-click selects the range from the last one clicked; the keyboard does the same
 * with ↑/↓, Space and Shift+↑/↓.
 */
import { useCallback, useMemo, useRef, useState } from 'react';

export interface Selection {
  current: string | undefined;
  selected: ReadonlySet<string>;
  /** Select one title (it becomes current); `toggle`: add or remove it; `range`: from the anchor to it, in `order`. */
  select(id: string, how?: 'one' | 'toggle' | 'range', order?: string[]): void;
  selectAll(ids: string[]): void;
  clear(): void;
}

export function useSelection(): Selection {
  const [current, setCurrent] = useState<string>();
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const anchor = useRef<string | undefined>(undefined);

  const select = useCallback<Selection['select']>((id, how = 'one', order = []) => {
    setCurrent(id);
    if (how === 'toggle') {
      anchor.current = id;
      setSelected((prev) => {
        const next = new Set(prev);
        if (next.has(id)) next.delete(id);
        else next.add(id);
        return next;
      });
      return;
    }
    if (how === 'range' && anchor.current) {
      const a = order.indexOf(anchor.current);
      const b = order.indexOf(id);
      if (a >= 0 && b >= 0) {
        setSelected(new Set(order.slice(Math.min(a, b), Math.max(a, b) + 1)));
        return;
      }
    }
    anchor.current = id;
    setSelected(new Set([id]));
  }, []);

  const selectAll = useCallback((ids: string[]) => setSelected(new Set(ids)), []);
  const clear = useCallback(() => setSelected(new Set()), []);
  return useMemo(
    () => ({ current, selected, select, selectAll, clear }),
    [current, selected, select, selectAll, clear],
  );
}
