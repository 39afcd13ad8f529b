/**
 * What the content analysis decided and what QC found, for the terminal and for `--json`: one line
 * per decision with its evidence sentence (and any warning), one per QC finding.
 */
import type { JobSnapshot } from '../common/jobs.js';
import { formatDuration } from '../common/format.js';

export function decisionLines(job: Pick<JobSnapshot, 'decisions' | 'qc'>): string[] {
  const d = job.decisions;
  const lines: string[] = [];
  if (d) {
    const said = (what: string, x: { evidence: { sentence: string }; source: string; warnings: string[] }): void => {
      lines.push(`${what}: ${x.evidence.sentence}${x.source === 'override' ? ' (override)' : ''}`);
      for (const w of x.warnings) lines.push(`warning: ${what}: ${w}`);
    };
    said('picture', d.scan);
    said('crop', d.crop);
    for (const l of d.loudness) said(`loudness (audio ${l.value.streamIndex}, ${l.value.layout})`, l);
  }
  for (const f of job.qc ?? [])
    lines.push(`qc ${f.severity}: ${f.kind} ${formatDuration(f.start)}–${formatDuration(f.end)}: ${f.detail}`);
  return lines;
}

/** The decisions (each with its evidence), the overrides they honoured and the QC findings. */
export function contentJson(job: Pick<JobSnapshot, 'decisions' | 'qc' | 'overrides'>) {
  return {
    ...(job.decisions ? { decisions: job.decisions } : {}),
    ...(job.overrides ? { overrides: job.overrides } : {}),
    ...(job.qc ? { qc: job.qc } : {}),
  };
}
