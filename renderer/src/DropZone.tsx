/**
 * Masters in: dropped anywhere in the window, or chosen with the picker. Refused, with the reason,
 * while the station has no origin (the first-run setup is not done): nothing would know where to go.
 */
import { useState, type DragEvent } from 'react';
import type { StationApi } from '../../electron/common/api';
import { errorText } from './errors';

export const NO_ORIGIN_YET =
  'Not added: no origin is set yet. Finish the setup first (choose where packages go and test it) — the station takes masters once it knows where to deliver them.';

export interface MasterDrop {
  over: boolean;
  hold: boolean;
  setHold(hold: boolean): void;
  add(paths: string[]): Promise<void>;
  /** Why the last drop or pick was refused, until the next one. */
  error: string | undefined;
  handlers: {
    onDragEnter(e: DragEvent): void;
    onDragOver(e: DragEvent): void;
    onDragLeave(e: DragEvent): void;
    onDrop(e: DragEvent): void;
  };
}

/** Drag-and-drop onto the whole window: the handlers the app's root takes, and whether a drag is over it. */
export function useMasterDrop(station: StationApi, ready: boolean): MasterDrop {
  const [over, setOver] = useState(false);
  const [hold, setHold] = useState(false);
  const [error, setError] = useState<string>();
  const add = async (paths: string[]): Promise<void> => {
    if (paths.length === 0) return;
    if (!ready) return setError(NO_ORIGIN_YET);
    try {
      setError(undefined);
      await station.addMasters(paths, hold ? { hold: true } : undefined);
    } catch (err) {
      setError(errorText(err));
    }
  };
  const isFiles = (e: DragEvent): boolean =>
    Array.from(e.dataTransfer?.types ?? []).includes('Files') || e.dataTransfer?.files?.length > 0;
  const handlers: MasterDrop['handlers'] = {
    onDragEnter: (e) => {
      if (!isFiles(e)) return;
      e.preventDefault();
      setOver(true);
    },
    onDragOver: (e) => {
      if (!isFiles(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = ready ? 'copy' : 'none';
    },
    // Leaving for a child is not leaving the window.
    onDragLeave: (e) => {
      if (!e.relatedTarget || !(e.currentTarget as Node).contains(e.relatedTarget as Node)) setOver(false);
    },
    onDrop: (e) => {
      e.preventDefault();
      setOver(false);
      void add(station.pathsForFiles(Array.from(e.dataTransfer.files)));
    },
  };
  return { over, hold, setHold, add, error, handlers };
}

/** Where to drop (anywhere in the window), the picker (keyboard: Tab to the button), "hold", and a refusal's reason. */
export function DropZone({
  station,
  compact,
  drop,
}: {
  station: StationApi;
  /** The queue has titles: the box shrinks to a one-line hint (the whole window still takes drops). */
  compact: boolean;
  drop: MasterDrop;
}): React.JSX.Element {
  return (
    <>
      <div
        className={`dropzone${compact ? ' dropzone--compact' : ''}${drop.over ? ' dropzone--over' : ''}`}
        data-testid="dropzone"
      >
        <p className="dropzone__title">
          {compact ? 'Drop masters or folders anywhere in the window' : 'Drop source masters or folders here'}
        </p>
        {!compact && <p className="dropzone__hint">Masters are only read — never moved or modified.</p>}
        <button type="button" onClick={() => void station.pickMasters().then(drop.add)}>
          Choose files…
        </button>
        <label className="dropzone__hold">
          <input type="checkbox" checked={drop.hold} onChange={(e) => drop.setHold(e.target.checked)} /> Hold new titles
          to set their title IDs first
        </label>
      </div>
      {drop.error && (
        <p className="banner banner--error" role="alert" data-testid="add-error">
          {drop.error}
        </p>
      )}
    </>
  );
}
