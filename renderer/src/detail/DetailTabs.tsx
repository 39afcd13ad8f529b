/** The detail's tab list (WAI-ARIA tabs: ←/→/Home/End move between them and focus the tab). */
import { useRef } from 'react';

export const DETAIL_TABS = ['Overview', 'Master', 'Ladder', 'Delivery', 'Audit', 'QC'] as const;
export type DetailTab = (typeof DETAIL_TABS)[number];

/** The tab a key moves to from index i, or -1 for a key the tab list does not handle. */
function tabFor(key: string, i: number): number {
  const n = DETAIL_TABS.length;
  if (key === 'ArrowRight') return (i + 1) % n;
  if (key === 'ArrowLeft') return (i + n - 1) % n;
  if (key === 'Home') return 0;
  if (key === 'End') return n - 1;
  return -1;
}

export function DetailTabs({
  tab,
  onTab,
  id,
}: {
  tab: DetailTab;
  onTab(tab: DetailTab): void;
  /** The panel's element id for a tab (the tab's own is this + "-tab"). */
  id(t: DetailTab): string;
}): React.JSX.Element {
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);
  const onKeyDown = (e: React.KeyboardEvent): void => {
    const to = tabFor(e.key, DETAIL_TABS.indexOf(tab));
    if (to < 0) return;
    e.preventDefault();
    onTab(DETAIL_TABS[to]!);
    tabs.current[to]?.focus();
  };
  return (
    <div className="tabs" role="tablist" aria-label="Title details" onKeyDown={onKeyDown}>
      {DETAIL_TABS.map((t, i) => (
        <button
          key={t}
          ref={(el) => {
            tabs.current[i] = el;
          }}
          type="button"
          role="tab"
          id={`${id(t)}-tab`}
          aria-selected={t === tab}
          aria-controls={id(t)}
          tabIndex={t === tab ? 0 : -1}
          className="tabs__tab"
          onClick={() => onTab(t)}
        >
          {t}
        </button>
      ))}
    </div>
  );
}
