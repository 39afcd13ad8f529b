/** Words for a title's state and stage, one home for the table, the detail and the dashboard. */
import { STAGES, STAGE_LABELS, type JobSnapshot, type StageName } from '../../electron/common/jobs';
import { formatDuration, formatPercent } from '../../electron/common/format';

export const STATE_LABELS: Record<JobSnapshot['state'], string> = {
  queued: 'Queued',
  running: 'Running',
  paused: 'Paused',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** Names short enough to be read whole in a narrow column (the full name is in the title attribute). */
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

/** Where a title stands, in a word: the stage it is at or stopped in, "Held" for its title ID; a delivered one is at none. */
export function stageWord(job: JobSnapshot): string {
  if (job.state === 'done') return '—';
  if (job.state === 'failed' && job.error) return STAGE_SHORT[job.error.stage];
  if (job.state === 'paused' && job.stages.probe.state === 'pending' && job.stages.probe.detail?.startsWith('held'))
    return 'Held';
  return STAGE_SHORT[job.stage];
}

export interface StageLine {
  stage?: StageName;
  label: string;
  meta: string[];
}

function lineOf(job: JobSnapshot, s: StageName, running: boolean): StageLine {
  const st = job.stages[s];
  const meta: string[] = [];
  if (running) {
    meta.push(formatPercent(st.fraction));
    if (st.detail) meta.push(st.detail);
    if (st.etaSeconds !== undefined) meta.push(`ETA ${formatDuration(st.etaSeconds)}`);
  } else if (st.detail && job.state !== 'failed') meta.push(st.detail);
  return { stage: s, label: running ? STAGE_SHORT[s] : STAGE_LABELS[s], meta };
}

/**
 * A title's progress lines: while it runs, one per stage in progress — the encode, verify and the
 * uploads overlap, and each says where it stands (percent, rate, ETA) — else the stage it waits at.
 */
export function stageLines(job: JobSnapshot): StageLine[] {
  if (job.state === 'done') return [{ label: 'Verified and delivered', meta: [] }];
  if (job.state === 'running') {
    const running = STAGES.filter((s) => job.stages[s].state === 'running');
    if (running.length > 0) return running.map((s) => lineOf(job, s, true));
  }
  return [lineOf(job, job.stage, job.state === 'running')];
}
