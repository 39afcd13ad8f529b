/** One step of the first-run setup: its number, what it is for, where it stands (in words and a mark), its content. */
export type StepStatus = 'todo' | 'ok' | 'bad' | 'busy' | 'skipped';

const MARK: Record<StepStatus, string> = { todo: '○', ok: '✓', bad: '✗', busy: '…', skipped: '–' };
const WORDS: Record<StepStatus, string> = {
  todo: 'to do',
  ok: 'done',
  bad: 'needs attention',
  busy: 'in progress',
  skipped: 'skipped',
};

export function Step({
  n,
  title,
  status,
  children,
}: {
  n: number;
  title: string;
  status: StepStatus;
  children: React.ReactNode;
}): React.JSX.Element {
  return (
    <li className={`step step--${status}`} data-testid={`setup-step-${n}`} data-status={status}>
      <h3 className="step__title">
        <span className="step__mark" aria-hidden="true">
          {MARK[status]}
        </span>{' '}
        {n}. {title} <span className="visually-hidden">({WORDS[status]})</span>
      </h3>
      <div className="step__body">{children}</div>
    </li>
  );
}
