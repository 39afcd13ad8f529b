/** Master → what the station decided about the picture and the sound, each with its evidence. */
import type { ContentDecisions, Decision } from '../../../../electron/common/analysis';

const SOURCE: Record<Decision<unknown>['source'], string> = {
  content: 'from the content',
  spec: 'by the spec',
  override: 'overridden',
};

function Row({ label, d }: { label: string; d: Decision<unknown> }): React.JSX.Element {
  return (
    <li className={`decision decision--${d.source}`} data-testid="decision">
      <span className="decision__label">{label}</span> {d.evidence.sentence}{' '}
      <span className="decision__source">({SOURCE[d.source]})</span>
      {d.warnings.map((w) => (
        <span key={w} className="finding finding--warning decision__note">
          <span className="finding__severity">warning</span> {w}
        </span>
      ))}
      {d.notes.map((n) => (
        <span key={n} className="decision__note">
          {n}
        </span>
      ))}
    </li>
  );
}

export function DecisionList({ decisions }: { decisions: ContentDecisions }): React.JSX.Element {
  return (
    <ul className="decisions" data-testid="decisions">
      <Row label="Picture" d={decisions.scan} />
      <Row label="Crop" d={decisions.crop} />
      {decisions.loudness.map((l) => (
        <Row key={`${l.value.streamIndex}-${l.value.layout}`} label={`Loudness · audio ${l.value.streamIndex}`} d={l} />
      ))}
    </ul>
  );
}
