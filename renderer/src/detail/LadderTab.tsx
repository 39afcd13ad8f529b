/**
 * Detail → Ladder: the rungs, the encoder and why it was chosen, the per-title choice (its chart and
 * numbers), the audio and caption renditions.
 */
import type { JobSnapshot } from '../../../electron/common/jobs';
import { Renditions } from '../Renditions';
import { PerTitleTable } from './PerTitleTable';

export function LadderTab({ job }: { job: JobSnapshot }): React.JSX.Element {
  return (
    <>
      {job.ladder && (
        <div className="detail__block" data-testid="ladder">
          <h3>Ladder</h3>
          <p>
            Encoder <code>{job.ladder.encoder}</code> — {job.ladder.encoderReason}
          </p>
          <p>
            {job.ladder.mode === 'per-title'
              ? 'Bit rates measured for this film (per-title)'
              : "The profile's fixed bit rates"}
          </p>
          <ul>
            {job.ladder.rungs.map((r) => (
              <li key={r.name}>
                {r.name}: {r.width}×{r.height} · {r.videoKbps} kb/s{r.encoder ? ` · ${r.encoder}` : ''}
              </li>
            ))}
            <li>
              {job.ladder.segmentSeconds} s {job.ladder.segmentFormat === 'fmp4' ? 'fMP4/CMAF' : 'MPEG-TS'} segments
            </li>
          </ul>
        </div>
      )}
      {job.ladder?.perTitle && <PerTitleTable summary={job.ladder.perTitle} />}
      <Renditions job={job} />
    </>
  );
}
