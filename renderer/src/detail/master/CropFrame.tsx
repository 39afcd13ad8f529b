/**
 * Master → the crop shown on a frame of the master: the kept picture outlined, the bars shaded.
 * The frame is the one the analysis grabbed (the station's media URL, never a file path).
 */
import type { StationApi } from '../../../../electron/common/api';
import type { JobSnapshot } from '../../../../electron/common/jobs';

export function CropFrame({ job, station }: { job: JobSnapshot; station: StationApi }): React.JSX.Element | null {
  const crop = job.decisions?.crop.value;
  const frame = job.analysis?.crop;
  if (!job.qcDir || !frame) return null;
  const pct = (n: number, of: number): string => `${((100 * n) / of).toFixed(2)}%`;
  return (
    <figure className="crop" data-testid="crop-frame">
      <div className="crop__frame">
        <img src={station.mediaUrl(job.id, 'local', '@qc/frame.jpg')} alt="A frame from the middle of the master" />
        {crop && (
          <div
            className="crop__kept"
            data-testid="crop-rect"
            style={{
              left: pct(crop.x, frame.width),
              top: pct(crop.y, frame.height),
              width: pct(crop.w, frame.width),
              height: pct(crop.h, frame.height),
            }}
          />
        )}
      </div>
      <figcaption>
        {crop
          ? `Kept ${crop.w}×${crop.h} at ${crop.x},${crop.y} of ${frame.width}×${frame.height}`
          : `The whole ${frame.width}×${frame.height} frame is kept`}
      </figcaption>
    </figure>
  );
}
