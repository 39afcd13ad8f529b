/**
 * A panel beside the main content whose width the operator sets: drag the divider, or focus it and
 * use ←/→ (Home/End for the limits). The width is remembered per panel on this machine.
 */
import { useEffect, useRef, useState } from 'react';

const STEP = 32;

export function useStoredWidth(key: string, initial: number, min: number, max: number): [number, (w: number) => void] {
  const [width, setWidth] = useState(() => {
    const saved = Number(localStorage.getItem(`panel:${key}`));
    return Number.isFinite(saved) && saved >= min ? Math.min(max, saved) : initial;
  });
  useEffect(() => localStorage.setItem(`panel:${key}`, String(width)), [key, width]);
  return [width, (w) => setWidth(Math.round(Math.min(max, Math.max(min, w))))];
}

export function SidePanel({
  id,
  label,
  initial = 440,
  min = 320,
  max = 900,
  children,
}: {
  id: string;
  label: string;
  initial?: number;
  min?: number;
  max?: number;
  children: React.ReactNode;
}): React.JSX.Element {
  const [width, setWidth] = useStoredWidth(id, initial, min, max);
  const drag = useRef<{ x: number; width: number } | undefined>(undefined);
  return (
    <>
      <div
        className="splitter"
        role="separator"
        aria-orientation="vertical"
        aria-label={`Resize ${label}`}
        aria-valuemin={min}
        aria-valuemax={max}
        aria-valuenow={width}
        tabIndex={0}
        data-testid="splitter"
        onPointerDown={(e) => {
          drag.current = { x: e.clientX, width };
          e.currentTarget.setPointerCapture(e.pointerId);
        }}
        onPointerMove={(e) => drag.current && setWidth(drag.current.width + drag.current.x - e.clientX)}
        onPointerUp={() => (drag.current = undefined)}
        onKeyDown={(e) => {
          const to = { ArrowLeft: width + STEP, ArrowRight: width - STEP, Home: max, End: min }[e.key];
          if (to === undefined) return;
          e.preventDefault();
          setWidth(to);
        }}
      />
      {/* Focusable: it scrolls, and a keyboard must reach all of it. */}
      <aside className="sidepanel" style={{ width }} aria-label={label} tabIndex={0}>
        {children}
      </aside>
    </>
  );
}
