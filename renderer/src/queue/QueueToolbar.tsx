/** Find and arrange the day's titles: search (title, folder, title ID, reason), state, stage, grouping. */
import { STAGES } from '../../../electron/common/jobs';
import { STAGE_SHORT } from '../labels';
import { GROUPS, STATE_FILTERS, type GroupBy, type QueueQuery, type StateFilter } from './queue-model';

export function QueueToolbar({
  query,
  onQuery,
  shown,
  total,
}: {
  query: QueueQuery;
  onQuery(patch: Partial<QueueQuery>): void;
  shown: number;
  total: number;
}): React.JSX.Element {
  return (
    <div className="qtools" role="search" aria-label="Filter the queue">
      <input
        type="search"
        className="qtools__search"
        value={query.text}
        placeholder="Search title, folder, title ID, reason"
        aria-label="Search titles"
        spellCheck={false}
        onChange={(e) => onQuery({ text: e.target.value })}
      />
      <label className="qtools__field">
        <span>State</span>
        <select
          aria-label="Filter by state"
          value={query.state}
          onChange={(e) => onQuery({ state: e.target.value as StateFilter })}
        >
          {Object.entries(STATE_FILTERS).map(([k, label]) => (
            <option key={k} value={k}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label className="qtools__field">
        <span>Stage</span>
        <select
          aria-label="Filter by stage"
          value={query.stage}
          onChange={(e) => onQuery({ stage: e.target.value as QueueQuery['stage'] })}
        >
          <option value="all">Any stage</option>
          {STAGES.map((s) => (
            <option key={s} value={s}>
              {STAGE_SHORT[s]}
            </option>
          ))}
        </select>
      </label>
      <label className="qtools__field">
        <span>Group</span>
        <select
          aria-label="Group by"
          value={query.group}
          onChange={(e) => onQuery({ group: e.target.value as GroupBy })}
        >
          {Object.entries(GROUPS).map(([k, label]) => (
            <option key={k} value={k}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <span className="qtools__shown" data-testid="queue-shown" aria-live="polite">
        {shown === total ? `${total} titles` : `${shown} of ${total} titles`}
      </span>
    </div>
  );
}
