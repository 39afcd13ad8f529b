import { useState, type DragEvent } from 'react';
import type { StationApi } from '../../electron/common/api';
import { errorText } from './errors';

interface Props {
  station: StationApi;
  onError(message: string | undefined): void;
}

/** Drop files or folders here, or choose them with the picker (keyboard: Tab to the button). */
export function DropZone({ station, onError }: Props): React.JSX.Element {
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

  const onDrop = (e: DragEvent<HTMLDivElement>): void => {
    e.preventDefault();
    setOver(false);
    void add(station.pathsForFiles(Array.from(e.dataTransfer.files)));
  };

  return (
    <div
      className={`dropzone${over ? ' dropzone--over' : ''}`}
      data-testid="dropzone"
      onDragEnter={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragOver={(e) => {
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <p className="dropzone__title">Drop source masters or folders here</p>
      <p className="dropzone__hint">Masters are only read — never moved or modified.</p>
      <button type="button" onClick={() => void station.pickMasters().then(add)}>
        Choose files…
      </button>
      <label className="dropzone__hold">
        <input type="checkbox" checked={hold} onChange={(e) => setHold(e.target.checked)} /> Hold new titles to set their title IDs first
      </label>
    </div>
  );
}
