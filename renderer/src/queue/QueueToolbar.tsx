/** Find and arrange the day's titles: search (title, folder, title ID, reason), state, stage, grouping. */
import type { StageName } from '../../../electron/common/jobs';
import { Choice } from '../Choice';
import { STAGE_SHORT } from '../labels';
import { GROUPS, STATE_FILTERS, type QueueQuery } from './queue-model';

const STAGE_CHOICES: Record<StageName | 'all', string> = { all: 'Any stage', ...STAGE_SHORT };

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
      <Choice
        label="State"
        name="Filter by state"
        value={query.state}
        options={STATE_FILTERS}
        onChange={(state) => onQuery({ state })}
      />
      <Choice
        label="Stage"
        name="Filter by stage"
        value={query.stage}
        options={STAGE_CHOICES}
        onChange={(stage) => onQuery({ stage })}
      />
      <Choice
        label="Group"
        name="Group by"
        value={query.group}
        options={GROUPS}
        onChange={(group) => onQuery({ group })}
      />
      <span className="qtools__shown" data-testid="queue-shown" aria-live="polite">
        {shown === total ? `${total} titles` : `${shown} of ${total} titles`}
      </span>
    </div>
  );
}
