/** The per-title choice in numbers: per rung the bit rate chosen, the quality measured and the bytes saved or spent. */
import type { PerTitleSummary } from '../../../electron/common/ladder';
import { formatBytes } from '../../../electron/common/format';
import { LadderChart } from './LadderChart';

export function PerTitleTable({ summary }: { summary: PerTitleSummary }): React.JSX.Element {
  const metric = summary.metric.toUpperCase();
  return (
    <div className="detail__block" data-testid="per-title">
      <h3>Per-title ladder</h3>
      <p data-testid="per-title-sentence">
        {summary.sentence}. {summary.metricReason}; probe: {summary.windows} window(s), {summary.probeSec.toFixed(1)} s.
      </p>
      <LadderChart summary={summary} />
      <table className="per-title">
        <thead>
          <tr>
            <th>Rung</th>
            <th>Chosen</th>
            <th>Fixed</th>
            <th>{metric}</th>
            <th>PSNR</th>
            <th>Against fixed</th>
          </tr>
        </thead>
        <tbody>
          {summary.rungs.map((r) => (
            <tr key={r.name} data-testid="per-title-rung" title={r.sentence}>
              <td>{r.name}</td>
              <td>{r.keep ? `${r.kbps} kb/s` : 'dropped'}</td>
              <td>{r.fixedKbps} kb/s</td>
              <td>
                {r.keep ? `${r.quality.toFixed(4)} (target ${r.target})` : '—'}
                {r.starved ? ' · out of reach' : ''}
              </td>
              <td>{r.keep ? `${r.psnr.toFixed(1)} dB` : '—'}</td>
              <td>
                {r.savedBytes >= 0 ? `${formatBytes(r.savedBytes)} saved` : `${formatBytes(-r.savedBytes)} spent`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
