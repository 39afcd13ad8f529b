import type { JobSnapshot } from '../../electron/common/jobs';
import { describeAudio, describeVideo } from '../../electron/common/media';
import { formatBytes, formatDuration } from '../../electron/common/format';

/** What the probe learnt about the master, and what the delivery spec said about it. */
export function MasterDetails({ job }: { job: JobSnapshot }): React.JSX.Element | null {
  const m = job.media;
  const findings = job.spec?.findings ?? [];
  if (!m && findings.length === 0) return null;
  const rejected = job.spec && !job.spec.accepted;
  return (
    <details
      className="master"
      open={rejected || findings.some((f) => f.severity === 'warning')}
      data-testid="master-details"
    >
      <summary>
        Master{m ? ` · ${formatDuration(m.durationSec)} · ${formatBytes(m.sizeBytes)}` : ''}
        {job.spec ? ` · ${job.spec.accepted ? 'accepted' : 'rejected'} by “${job.spec.spec}”` : ''}
      </summary>
      {m && (
        <ul className="master__streams" data-testid="media-info">
          <li>
            {m.container}
            {m.bitRate ? ` · ${(m.bitRate / 1e6).toFixed(1)} Mb/s` : ''}
            {m.startTimecode ? ` · TC ${m.startTimecode}` : ''}
          </li>
          {m.video.map((v) => (
            <li key={`v${v.index}`}>Video: {describeVideo(v)}</li>
          ))}
          {m.audio.map((a) => (
            <li key={`a${a.index}`}>Audio: {describeAudio(a)}</li>
          ))}
          {m.subtitles.map((s) => (
            <li key={`s${s.index}`}>
              Subtitles: {s.codec}
              {s.language ? ` · ${s.language}` : ''}
            </li>
          ))}
        </ul>
      )}
      {findings.length > 0 && (
        <ul className="master__findings" data-testid="spec-findings">
          {findings.map((f) => (
            <li key={f.code} className={`finding finding--${f.severity}`}>
              <span className="finding__severity">{f.severity}</span> {f.message}
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}
