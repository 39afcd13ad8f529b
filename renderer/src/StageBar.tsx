import { STAGES, STAGE_LABELS, type JobSnapshot } from '../../electron/common/jobs';
import { formatPercent } from '../../electron/common/format';
import { STAGE_SHORT } from './labels';

/**
 * One segment per stage (probe … report), filled by its progress and coloured by its state; `mini`
 * for a table row (no names in the segments — each says its stage on hover, and the row says it in words).
 */
export function StageBar({ job, mini = false }: { job: JobSnapshot; mini?: boolean }): React.JSX.Element {
  return (
    <ol className={`stagebar${mini ? ' stagebar--mini' : ''}`} aria-label="Stages" data-testid="stagebar">
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
            {!mini && <span className="stagebar__label">{STAGE_SHORT[s]}</span>}
          </li>
        );
      })}
    </ol>
  );
}
