/**
 * Everything about one title, in tabs (one component per tab in detail/): Overview — every stage
 * with its progress and timing, the failure with the action to take, the title ID; Master —
 * MediaInfo and spec findings, the content decisions with their evidence, the QC timeline; Ladder — rungs, encoder and why, renditions; Delivery — what verify
 * proved, what reached each destination, the report; Audit — when each destination was last proven
 * whole, and the chunk map; QC — the player.
 */
import { memo } from 'react';
import type { StationApi } from '../../electron/common/api';
import type { JobSnapshot } from '../../electron/common/jobs';
import { AuditTab } from './detail/AuditTab';
import { DeliveryTab } from './detail/DeliveryTab';
import { DetailTabs, type DetailTab } from './detail/DetailTabs';
import { LadderTab } from './detail/LadderTab';
import { OverviewTab } from './detail/OverviewTab';
import { QcTab } from './detail/QcTab';
import { JobActions } from './JobActions';
import { STATE_LABELS } from './labels';
import { MasterTab } from './detail/MasterTab';
import { useState } from 'react';

export type { DetailTab } from './detail/DetailTabs';

/** Memoised: another title's 10 Hz updates do not re-render this one's detail. */
export const JobDetail = memo(function JobDetail({
  job,
  station,
  tab,
  onTab,
}: {
  job: JobSnapshot;
  station: StationApi;
  tab: DetailTab;
  onTab(tab: DetailTab): void;
}): React.JSX.Element {
  const id = (t: DetailTab): string => `detail-${job.id}-${t}`;
  // A QC mark on the Master tab plays the title from there: the QC tab opens at that moment.
  const [seek, setSeek] = useState<{ t: number }>();
  const onSeek = (t: number): void => {
    setSeek({ t });
    onTab('QC');
  };
  return (
    <section className="detail" aria-label={`Details of ${job.title}`} data-testid="job-detail">
      <header className="detail__head">
        <h2>{job.title}</h2>
        <span className={`badge badge--${job.state}`}>{STATE_LABELS[job.state]}</span>
      </header>
      <p className="detail__source">
        <code>{job.sourcePath}</code>
      </p>
      <JobActions job={job} station={station} />
      <DetailTabs tab={tab} onTab={onTab} id={id} />
      <div
        className="tabs__panel"
        role="tabpanel"
        id={id(tab)}
        aria-labelledby={`${id(tab)}-tab`}
        data-testid={`detail-tab-${tab.toLowerCase()}`}
      >
        {tab === 'Overview' && <OverviewTab job={job} station={station} />}
        {tab === 'Master' && <MasterTab job={job} station={station} onSeek={onSeek} />}
        {tab === 'Ladder' && <LadderTab job={job} />}
        {tab === 'Delivery' && <DeliveryTab job={job} station={station} />}
        {tab === 'Audit' && <AuditTab job={job} station={station} />}
        {tab === 'QC' && <QcTab job={job} station={station} {...(seek ? { seek } : {})} />}
      </div>
    </section>
  );
});
