/**
 * The setup's last step: save the settings (the engine restarts with them), then one sample master —
 * made by ffmpeg, ten seconds of test card and tone — through every stage: probe, plan, claim,
 * encode, verify, both uploads, audit, report. Its delivery at the origin is the proof the station works.
 */
import { useEffect, useRef } from 'react';
import type { JobSnapshot } from '../../../electron/common/jobs';
import { failureLine, fixFor } from '../failures';
import { stageLines, STATE_LABELS } from '../labels';
import { StageBar } from '../StageBar';
import { Step, type StepStatus } from './Step';

export function SampleStep({
  ready,
  why,
  sample,
  busy,
  error,
  onRun,
  onDone,
}: {
  /** The steps before are done (origin tested, ffmpeg found). */
  ready: boolean;
  /** What is missing, when not ready. */
  why: string;
  sample: JobSnapshot | undefined;
  busy: boolean;
  error: string | undefined;
  onRun(): void;
  onDone(): void;
}): React.JSX.Element {
  const status: StepStatus =
    error || sample?.state === 'failed' ? 'bad' : sample?.state === 'done' ? 'ok' : busy || sample ? 'busy' : 'todo';
  return (
    <Step n={4} title="Save, and send a sample through every stage" status={status}>
      <p>
        The station saves these settings, makes a 10-second test master with ffmpeg and delivers it like any title: the
        sample stays at the origin as its own title (remove it when you like).
      </p>
      {!sample && (
        <button type="button" className="primary" disabled={!ready || busy} onClick={onRun} data-testid="run-sample">
          {busy ? 'Saving…' : 'Save and run the sample'}
        </button>
      )}
      {!ready && !sample && <p className="step__why">{why}</p>}
      {error && (
        <p className="banner banner--error" role="alert">
          {error}
        </p>
      )}
      {sample && <SampleProgress job={sample} onRun={onRun} onDone={onDone} />}
    </Step>
  );
}

function SampleProgress({
  job,
  onRun,
  onDone,
}: {
  job: JobSnapshot;
  onRun(): void;
  onDone(): void;
}): React.JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  const finished = job.state === 'done' || job.state === 'failed';
  // The outcome and its button in view, whatever the window's height.
  useEffect(() => {
    if (finished) box.current?.scrollIntoView({ block: 'end' });
  }, [finished]);
  return (
    <div className="sample" data-testid="sample" data-state={job.state} ref={box}>
      <p>
        <strong>{job.title}</strong> — {STATE_LABELS[job.state]}
      </p>
      <StageBar job={job} />
      {job.state === 'failed' && job.error ? (
        <>
          <p className="banner banner--error" role="alert">
            {failureLine(job.error)} — {fixFor(job.error).advice}
          </p>
          <button type="button" onClick={onRun}>
            Try the sample again
          </button>
        </>
      ) : job.state === 'done' ? (
        <>
          <p className="banner banner--ok" role="status" data-testid="sample-done">
            Delivered as {job.claim?.titleId} to {Object.keys(job.delivered ?? {}).join(' and ') || 'the origin'},
            verified and audited: this station works. Drop masters anywhere in the window to start.
          </p>
          <button type="button" className="primary" onClick={onDone}>
            Open the queue
          </button>
        </>
      ) : (
        <p className="sample__lines" aria-live="polite">
          {stageLines(job)
            .map((l) => [l.label, ...l.meta].join(' '))
            .join(' · ')}
        </p>
      )}
    </div>
  );
}
