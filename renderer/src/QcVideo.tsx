/**
 * The QC players' picture (QcPlayer with hls.js, DrmQcPlayer with Shaka): one <video> element with
 * the controls, muting and test hook both rely on, reporting its play position for the status line.
 */
import type { RefObject } from 'react';

export function QcVideo({
  ref,
  onTime,
}: {
  ref: RefObject<HTMLVideoElement | null>;
  onTime: (seconds: number) => void;
}): React.JSX.Element {
  return (
    <video
      ref={ref}
      className="qc__video"
      controls
      muted
      playsInline
      onTimeUpdate={(e) => onTime((e.target as HTMLVideoElement).currentTime)}
      data-testid="qc-video"
    />
  );
}
