import { STAGES, STAGE_LABELS, type JobSnapshot, type StageName } from '../../electron/common/jobs';
import { formatPercent } from '../../electron/common/format';

/** Names short enough to be read whole in a tenth of a row (the full name is the segment's title). */
export const STAGE_SHORT: Record<StageName, string> = {
  probe: 'Probe',
  analyse: 'Analyse',
  plan: 'Plan',
  claim: 'Claim',
  transcode: 'Encode',
  verify: 'Verify',
  uploadOrigin: 'Origin',
  uploadArchive: 'Archive',
  audit: 'Audit',
  report: 'Report',
};

/** One segment per stage (probe … report), filled by its progress and coloured by its state. */
export function StageBar({ job }: { job: JobSnapshot }): React.JSX.Element {
  return (
    <ol className="stagebar" aria-label="Stages" data-testid="stagebar">
      {STAGES.map((s) => {
        const st = job.stages[s];
        const fill = st.state === 'done' || st.state === 'skipped' ? 1 : st.fraction;
        return (
          <li
            key={s}
            className={`stagebar__seg stagebar__seg--${st.state}`}
            title={`${STAGE_LABELS[s]}: ${st.state}${st.state === 'running' ? ` ${formatPercent(st.fraction)}` : ''}`}
            data-stage={s}
            data-stage-state={st.state}
          >
            <span className="stagebar__fill" style={{ transform: `scaleX(${fill})` }} />
            <span className="stagebar__label">{STAGE_SHORT[s]}</span>
          </li>
        );
      })}
    </ol>
  );
}
