/** Detail → QC: the player, once the package is verified. */
import { lazy, Suspense } from 'react';
import type { StationApi } from '../../../electron/common/api';
import type { JobSnapshot } from '../../../electron/common/jobs';

// hls.js is most of the renderer's weight: loaded when a title's detail first needs the player.
const QcPlayer = lazy(() => import('../QcPlayer').then((m) => ({ default: m.QcPlayer })));
// A DRM title plays in Shaka Player through ClearKey (hls.js cannot): loaded only for those.
const DrmQcPlayer = lazy(() => import('../DrmQcPlayer').then((m) => ({ default: m.DrmQcPlayer })));

export function QcTab({
  job,
  station,
  seek,
}: {
  job: JobSnapshot;
  station: StationApi;
  /** Play from this moment (a QC mark was clicked). */
  seek?: { t: number };
}): React.JSX.Element {
  if (!(job.stages.verify.state === 'done' && job.packageDir))
    return <p className="empty">The player opens once the package is verified.</p>;
  return (
    <Suspense fallback={<p className="qc__status">Loading the player…</p>}>
      {job.drm ? (
        <DrmQcPlayer job={job} station={station} />
      ) : (
        <QcPlayer job={job} station={station} {...(seek ? { seek } : {})} />
      )}
    </Suspense>
  );
}
