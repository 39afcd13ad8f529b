/**
 * The per-title choice as a small bitrate–quality chart: per rung the probe's trials (bit rate on a
 * log scale, quality on the top rung's screen), the point chosen (a dot) and the fixed ladder's bit
 * rate (a tick on the axis); a dropped rung drawn dashed. The numbers are in the table beside it
 * (PerTitleTable), so nothing is only a shape.
 */
import type { PerTitleSummary } from '../../../electron/common/ladder';

const W = 320;
const H = 140;
const PAD = 6;

export function LadderChart({ summary }: { summary: PerTitleSummary }): React.JSX.Element {
  const { series, metric } = summary.chart;
  const all = series.flatMap((s) => [...s.points, s.chosen, { kbps: s.fixed.kbps, quality: s.chosen.quality }]);
  const kbps = all.map((p) => Math.log(Math.max(1, p.kbps)));
  const q = all.map((p) => p.quality);
  const [x0, x1] = [Math.min(...kbps), Math.max(...kbps)];
  const [y0, y1] = [Math.min(...q), Math.max(...q)];
  const x = (k: number): number => PAD + ((Math.log(Math.max(1, k)) - x0) / Math.max(1e-9, x1 - x0)) * (W - 2 * PAD);
  const y = (v: number): number => H - PAD - ((v - y0) / Math.max(1e-9, y1 - y0)) * (H - 2 * PAD);
  const label = `${metric.toUpperCase()} on the top rung's screen against bit rate, ${series.length} rungs; dots: the bit rates chosen, ticks: the fixed ladder's`;
  return (
    <svg
      className="ladder-chart"
      width={W}
      height={H}
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={label}
      data-testid="ladder-chart"
    >
      <rect className="ladder-chart__frame" x="0" y="0" width={W} height={H} />
      {series.map((s) => (
        <g key={s.name} data-rung={s.name} className={s.keep ? 'ladder-chart__rung' : 'ladder-chart__rung--dropped'}>
          <path
            className="ladder-chart__curve"
            d={s.points.map((p, i) => `${i ? 'L' : 'M'}${x(p.kbps).toFixed(1)},${y(p.quality).toFixed(1)}`).join(' ')}
          />
          <circle className="ladder-chart__chosen" cx={x(s.chosen.kbps)} cy={y(s.chosen.quality)} r="3" />
          <line className="ladder-chart__fixed" x1={x(s.fixed.kbps)} x2={x(s.fixed.kbps)} y1={H - PAD} y2={H} />
          <text className="ladder-chart__name" x={x(s.chosen.kbps) + 4} y={y(s.chosen.quality) - 4}>
            {s.name}
          </text>
        </g>
      ))}
    </svg>
  );
}
