/** The QC players' choice of copy (hls.js for clear titles, Shaka for DRM titles share it). */
import type { MediaSource as QcSource } from '../../electron/common/api';

/** Which copy the QC player plays: the local package, or the origin's once it is uploaded (both players). */
export function CopySelect(props: {
  source: QcSource;
  onOrigin: boolean;
  onPick(source: QcSource): void;
}): React.JSX.Element {
  return (
    <label>
      Copy{' '}
      <select value={props.source} onChange={(e) => props.onPick(e.target.value as QcSource)} data-testid="qc-source">
        <option value="local">Local package</option>
        <option value="origin" disabled={!props.onOrigin}>
          Origin{props.onOrigin ? '' : ' (not uploaded yet)'}
        </option>
      </select>
    </label>
  );
}
