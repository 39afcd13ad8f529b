/**
 * A failure as an operator can act on it — the one home of "error code → what fixes it": the full
 * reason, the stage, what was kept (so nobody fears a retry), and the one action that fixes it:
 * retry (from the failed stage), replace the master, set the title ID, retry with Replace, or open
 * Settings. The queue row's button, its hover text and the detail's failure block all read this.
 */
import { formatBytes } from '../../electron/common/format';
import { STAGE_LABELS, type JobSnapshot, type StageName } from '../../electron/common/jobs';
import { SPEC_CODES } from '../../electron/common/spec';

export type FixAction = 'retry' | 'replace-master' | 'add-again' | 'set-title-id' | 'retry-replace' | 'open-settings';

export interface Fix {
  action: FixAction;
  /** The button's words. */
  label: string;
  /** One sentence: what to do and why it fixes this. */
  advice: string;
}

const FIXES: Record<FixAction, Omit<Fix, 'advice'>> = {
  retry: { action: 'retry', label: 'Retry' },
  'replace-master': { action: 'replace-master', label: 'Replace master…' },
  'add-again': { action: 'add-again', label: 'Add again' },
  'set-title-id': { action: 'set-title-id', label: 'Set title ID' },
  'retry-replace': { action: 'retry-replace', label: 'Retry with Replace' },
  'open-settings': { action: 'open-settings', label: 'Check destination' },
};

/** By code first (the engine's StationError codes), then by the stage it failed in. */
const BY_CODE: Array<{ match: (code: string) => boolean; action: FixAction; advice: string }> = [
  {
    match: (c) => c === 'probe-timeout',
    action: 'retry',
    advice: 'ffprobe took too long (a busy disk or network mount): retry.',
  },
  {
    match: (c) => c === 'source-changed',
    action: 'add-again',
    advice: 'The master changed after it was added: add it again to deliver the file as it is now.',
  },
  {
    match: (c) => (SPEC_CODES as readonly string[]).includes(c),
    action: 'replace-master',
    advice: 'The master itself is the problem: fix or re-export it at its source, then choose the new file.',
  },
  {
    match: (c) => c === 'qc-rejected',
    action: 'replace-master',
    advice:
      'QC found what the delivery spec rejects (the Master tab’s QC timeline shows where): fix the master at its source and choose the new file — or weigh that finding as a warning in the spec and retry.',
  },
  {
    match: (c) => c === 'title-conflict' || c === 'title-foreign' || c === 'bad-title-id',
    action: 'set-title-id',
    advice:
      'The title ID belongs to another master (or cannot be one): set the platform’s ID for this title — or Retry with Replace to publish this master in its place.',
  },
  {
    match: (c) => c === 'title-partly-delivered',
    action: 'retry-replace',
    advice: 'This master is live at only some destinations: Retry with Replace delivers one package to all of them.',
  },
  {
    match: (c) =>
      /^s3-(AccessDenied|Forbidden|InvalidAccessKeyId|SignatureDoesNotMatch|NoSuchBucket|InvalidBucketName|PermanentRedirect|InvalidStorageClass)$/.test(
        c,
      ) ||
      c.startsWith('config-') ||
      c === 'output-not-ours' ||
      c === 'ffmpeg-missing' ||
      c === 'ffprobe-missing',
    action: 'open-settings',
    advice:
      'Retrying cannot help until the setting is right: fix it in Settings (Test connection says what the store answers), then retry.',
  },
  {
    match: (c) => c === 'disk-full',
    action: 'retry',
    advice: 'Free space on the work folder’s disk (or move the work folder in Settings), then retry.',
  },
];

const BY_STAGE: Record<StageName, { action: FixAction; advice: string }> = {
  probe: { action: 'replace-master', advice: 'Fix or replace the master at its source, then choose the new file.' },
  analyse: {
    action: 'retry',
    advice:
      'Retry; if the master cannot be decoded where the analysis samples it, the ffmpeg output in the details says where.',
  },
  plan: { action: 'open-settings', advice: 'Check the ladder profile in Settings, then retry.' },
  claim: { action: 'set-title-id', advice: 'Set the platform’s title ID and retry, or Retry with Replace.' },
  transcode: { action: 'retry', advice: 'Retry; if it fails again, the ffmpeg output in the details names the cause.' },
  verify: { action: 'retry', advice: 'Retry: the rejected chunks are encoded again and checked; the rest is kept.' },
  uploadOrigin: { action: 'retry', advice: 'Retry: acknowledged parts and chunks are kept and not sent again.' },
  uploadArchive: { action: 'retry', advice: 'Retry: acknowledged parts are kept and not sent again.' },
  audit: { action: 'retry', advice: 'Retry runs the audit again (and repairs from the local package).' },
  report: { action: 'retry', advice: 'Retry writes the report again.' },
};

/** The one action that fixes a title's failure. */
export function fixFor(error: NonNullable<JobSnapshot['error']>): Fix {
  const hit = error.code ? BY_CODE.find((f) => f.match(error.code!)) : undefined;
  const { action, advice } = hit ?? BY_STAGE[error.stage];
  return { ...FIXES[action], advice };
}

/** What the failed title still has, so a retry is not feared: nothing done twice, nothing lost. */
export function keptAfter(job: JobSnapshot): string {
  const stage = job.error?.stage;
  if (!stage || stage === 'probe') return 'Nothing was made or sent; the master is untouched.';
  if (stage === 'plan' || stage === 'claim') return 'Nothing was encoded or sent yet; the probe’s findings are kept.';
  const parts: string[] = [];
  if (job.verified)
    parts.push(`the verified package (${job.verified.fileCount} files, ${formatBytes(job.verified.totalBytes)})`);
  else if (job.packageDir) parts.push('every chunk encoded and proven so far');
  const sent = Object.entries(job.delivered ?? {}).map(([d, x]) => `${x.objects} objects at ${d}`);
  if (sent.length) parts.push(sent.join(', '));
  if (stage === 'uploadOrigin' || stage === 'uploadArchive') parts.push('every part the store acknowledged');
  return parts.length
    ? `Kept: ${parts.join('; ')}. A retry starts from there.`
    : 'A retry starts from the failed stage.';
}

/** "Probe failed: <the whole reason>": the hover text and the detail's heading. */
export function failureLine(error: NonNullable<JobSnapshot['error']>): string {
  return `${STAGE_LABELS[error.stage]} failed: ${error.message}`;
}
