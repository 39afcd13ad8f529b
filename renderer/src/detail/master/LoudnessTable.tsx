/** Master → each audio stream's loudness as measured and as it will be delivered. */
import type { JobSnapshot } from '../../../../electron/common/jobs';

const lufs = (x: number | undefined): string => (x === undefined ? '—' : `${x.toFixed(1)} LUFS`);
const dbtp = (x: number | undefined): string => (x === undefined ? '—' : `${x.toFixed(1)} dBTP`);

export function LoudnessTable({ job }: { job: JobSnapshot }): React.JSX.Element | null {
  const measured = job.analysis?.loudness ?? [];
  if (measured.length === 0) return null;
  const decided = job.decisions?.loudness ?? [];
  return (
    <table className="loudness" data-testid="loudness">
      <caption>Loudness before and after</caption>
      <thead>
        <tr>
          <th>Audio</th>
          <th>Measured</th>
          <th>True peak</th>
          <th>Gain</th>
          <th>Delivered</th>
          <th>True peak</th>
        </tr>
      </thead>
      <tbody>
        {measured.map((m) => {
          const d = decided.find((x) => x.value.streamIndex === m.streamIndex && x.value.layout === m.layout)?.value;
          const key = `${m.streamIndex}-${m.layout}`;
          return (
            <tr key={key} data-testid={`loudness-${key}`}>
              <td>
                {m.streamIndex}
                {m.layout === 'stereo' ? ' (stereo mix)' : ''}
              </td>
              <td>{lufs(m.integrated)}</td>
              <td>{dbtp(m.truePeak)}</td>
              <td>
                {d ? `${d.gainDb > 0 ? '+' : ''}${d.gainDb.toFixed(1)} dB` : '—'}
                {d?.limiterCeilingDbtp !== undefined ? ' + limiter' : ''}
              </td>
              <td>{lufs(d?.expectedLufs ?? m.integrated)}</td>
              <td>{dbtp(d?.expectedTruePeak ?? m.truePeak)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
