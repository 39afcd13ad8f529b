/**
 * Detail → Master: what the probe learnt and the spec said (MasterDetails), then what the content
 * analysis measured and decided — each decision with its evidence, the crop on a frame, the
 * loudness before and after, the overrides — and the QC timeline, whose marks seek the QC player.
 */
import type { StationApi } from '../../../electron/common/api';
import type { JobSnapshot } from '../../../electron/common/jobs';
import { MasterDetails } from '../MasterDetails';
import { CropFrame } from './master/CropFrame';
import { DecisionList } from './master/DecisionList';
import { LoudnessTable } from './master/LoudnessTable';
import { OverridesForm } from './master/OverridesForm';
import { QcTimeline } from './master/QcTimeline';

export function MasterTab(props: {
  job: JobSnapshot;
  station: StationApi;
  onSeek(seconds: number): void;
}): React.JSX.Element {
  const { job, station } = props;
  return (
    <>
      <MasterDetails job={job} />
      <section className="content" aria-label="Picture and sound" data-testid="content-analysis">
        <h3>Picture and sound</h3>
        {job.decisions ? (
          <DecisionList decisions={job.decisions} />
        ) : (
          <p className="empty">
            {job.analysis ? 'Measured; the decisions come with the plan.' : 'The analysis runs after the probe.'}
          </p>
        )}
        <CropFrame job={job} station={station} />
        <LoudnessTable job={job} />
        <OverridesForm key={job.id} job={job} station={station} />
      </section>
      <QcTimeline job={job} station={station} onSeek={props.onSeek} />
    </>
  );
}
