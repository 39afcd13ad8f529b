import { useState, type DragEvent } from 'react';
import type { StationApi } from '../../electron/common/api';
import { errorText } from './errors';

/** Drag-and-drop onto the whole window: the handlers the app's root takes, and whether a drag is over it. */
export function useMasterDrop(station: StationApi, onError: (message: string | undefined) => void) {
  const [over, setOver] = useState(false);
  const [hold, setHold] = useState(false);
  const add = async (paths: string[]): Promise<void> => {
    if (paths.length === 0) return;
    try {
      onError(undefined);
      await station.addMasters(paths, hold ? { hold: true } : undefined);
    } catch (err) {
      onError(errorText(err));
    }
  };
  const isFiles = (e: DragEvent): boolean =>
    Array.from(e.dataTransfer?.types ?? []).includes('Files') || e.dataTransfer?.files?.length > 0;
  const handlers = {
    onDragEnter: (e: DragEvent) => {
      if (!isFiles(e)) return;
      e.preventDefault();
      setOver(true);
    },
    onDragOver: (e: DragEvent) => {
      if (!isFiles(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    },
    // Leaving for a child is not leaving the window.
    onDragLeave: (e: DragEvent) => {
      if (!e.relatedTarget || !(e.currentTarget as Node).contains(e.relatedTarget as Node)) setOver(false);
    },
    onDrop: (e: DragEvent) => {
      e.preventDefault();
      setOver(false);
      void add(station.pathsForFiles(Array.from(e.dataTransfer.files)));
    },
  };
  return { over, hold, setHold, add, handlers };
}

interface Props {
  station: StationApi;
  /** The queue has titles: the box shrinks to a one-line hint (the whole window still takes drops). */
  compact: boolean;
  over: boolean;
  hold: boolean;
  setHold(hold: boolean): void;
  add(paths: string[]): Promise<void>;
}

/** Where to drop (anywhere in the window), the picker (keyboard: Tab to the button), and "hold". */
export function DropZone({ station, compact, over, hold, setHold, add }: Props): React.JSX.Element {
  return (
    <div
      className={`dropzone${compact ? ' dropzone--compact' : ''}${over ? ' dropzone--over' : ''}`}
      data-testid="dropzone"
    >
      <p className="dropzone__title">
        {compact ? 'Drop masters or folders anywhere in the window' : 'Drop source masters or folders here'}
      </p>
      {!compact && <p className="dropzone__hint">Masters are only read — never moved or modified.</p>}
      <button type="button" onClick={() => void station.pickMasters().then(add)}>
        Choose files…
      </button>
      <label className="dropzone__hold">
        <input type="checkbox" checked={hold} onChange={(e) => setHold(e.target.checked)} /> Hold new titles to set
        their title IDs first
      </label>
    </div>
  );
}
