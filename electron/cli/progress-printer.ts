/**
 * Headless progress: one line when a stage starts, at each quarter of a long stage, and when it
 * ends. Written to stderr so `--json` output on stdout stays machine-readable.
 */
import { STAGE_LABELS, type JobSnapshot, type StageName } from '../common/jobs.js';
import { formatDuration, formatPercent } from '../common/format.js';
import { printableName } from '../common/printable.js';

/** "title ID 東京物語, version v…: new at origin, new at archive" */
export function describeClaim(c: NonNullable<JobSnapshot['claim']>): string {
  const where = Object.entries(c.destinations).map(
    ([d, v]) => `${v.mode}${v.replaced ? ` of ${v.replaced}` : ''} at ${d}`,
  );
  return `title ID ${c.titleId}, version ${c.version}: ${where.join(', ')}`;
}

export function createProgressPrinter(write: (line: string) => void): (job: JobSnapshot) => void {
  const last = new Map<string, string>();
  return (job) => {
    for (const [stage, st] of Object.entries(job.stages) as Array<[StageName, JobSnapshot['stages'][StageName]]>) {
      const key = `${job.id}:${stage}`;
      const bucket = st.state === 'running' ? `running:${Math.floor(st.fraction * 4)}` : st.state;
      if (st.state === 'pending' || last.get(key) === bucket) continue;
      last.set(key, bucket);
      let line = `${printableName(job.title)} · ${STAGE_LABELS[stage]} · `;
      if (st.state === 'running') {
        line += st.fraction === 0 && !st.detail ? 'started' : formatPercent(st.fraction);
        if (st.detail) line += ` · ${st.detail}`;
        if (st.etaSeconds !== undefined) line += ` · ETA ${formatDuration(st.etaSeconds)}`;
      } else {
        line += st.state;
        if (st.startedAt && st.endedAt)
          line += ` (${((Date.parse(st.endedAt) - Date.parse(st.startedAt)) / 1000).toFixed(1)} s)`;
        if (st.state === 'failed' && job.error) line += `: ${job.error.message}`;
        if (stage === 'claim' && st.state === 'done' && job.claim) line += ` · ${describeClaim(job.claim)}`;
      }
      write(line);
    }
  };
}
