/**
 * The station at a glance: what today brought, the queue's progress, throughput over the day per
 * destination (each large enough to read), and what every unfinished title is waiting on.
 */
import { useCallback, useMemo } from 'react';
import type { StationApi, StationDay } from '../../../electron/common/api';
import { formatBytes, formatPercent } from '../../../electron/common/format';
import type { JobSnapshot } from '../../../electron/common/jobs';
import { queueProgress } from '../../../electron/common/queue-progress';
import { ThroughputGraph } from '../ThroughputGraph';
import { usePolled } from '../usePolled';
import { localMidnight, today, waitingOn, type WaitGroup } from './summary';

const DAY_POLL_MS = 30_000;

/** The day's throughput per destination, and when it was read (the graphs span from midnight to then). */
function useStationDay(station: StationApi): { day: StationDay; at: number } | undefined {
  const load = useCallback(async () => ({ day: await station.stationDay(), at: Date.now() }), [station]);
  return usePolled(load, DAY_POLL_MS);
}

function Stat({ label, value, testid }: { label: string; value: string | number; testid?: string }): React.JSX.Element {
  return (
    <div className="stat" data-testid={testid}>
      <span className="stat__value">{value}</span>
      <span className="stat__label">{label}</span>
    </div>
  );
}

export function Dashboard({ jobs, station }: { jobs: JobSnapshot[]; station: StationApi }): React.JSX.Element {
  const t = useMemo(() => today(jobs), [jobs]);
  const unfinished = useMemo(
    () => jobs.filter((j) => j.state === 'queued' || j.state === 'running' || j.state === 'paused'),
    [jobs],
  );
  const progress = queueProgress(unfinished);
  const waits = useMemo(() => waitingOn(jobs), [jobs]);
  const read = useStationDay(station);
  const day = read?.day;
  // Minute buckets since midnight: the day so far (at least an hour, so a morning's graph is not a sliver).
  const span = read ? Math.max(60, Math.ceil((read.at - localMidnight(read.at)) / 60_000)) : 60;
  return (
    <section className="dashboard" aria-labelledby="dashboard-title" data-testid="dashboard">
      <h2 id="dashboard-title">Today at this station</h2>
      <div className="dashboard__stats">
        <Stat label="added today" value={t.added} testid="today-added" />
        <Stat label="delivered today" value={t.delivered} testid="today-delivered" />
        <Stat label="failed today" value={t.failed} testid="today-failed" />
        <Stat label="in the queue now" value={unfinished.length} />
        <Stat label="of the queue done" value={unfinished.length ? formatPercent(progress.fraction) : '—'} />
        {Object.entries(t.bytes).map(([dest, b]) => (
          <Stat key={dest} label={`delivered to ${dest}`} value={formatBytes(b)} />
        ))}
      </div>
      <h3>Throughput over the day</h3>
      <div className="dashboard__graphs">
        {day && Object.keys(day.destinations).length === 0 && (
          <p className="empty">Nothing sent since the station started.</p>
        )}
        {Object.entries(day?.destinations ?? {}).map(([dest, series]) => (
          <ThroughputGraph key={dest} series={series} label={dest} span={span} width={800} height={140} fluid />
        ))}
      </div>
      <h3>What is waiting on what</h3>
      <WaitList groups={waits} />
    </section>
  );
}

function WaitList({ groups }: { groups: WaitGroup[] }): React.JSX.Element {
  if (groups.length === 0) return <p className="empty">Nothing is waiting: the queue is empty.</p>;
  return (
    <ul className="waits" data-testid="waiting-on">
      {groups.map((g) => (
        <li key={g.on} className={`waits__item waits__item--${g.kind}`}>
          <strong>
            {g.titles.length} title{g.titles.length === 1 ? '' : 's'}
          </strong>{' '}
          {g.kind === 'running' ? `running: ${g.on}` : `wait${g.titles.length === 1 ? 's' : ''} on ${g.on}`}
          <span className="waits__titles" title={g.titles.join('\n')}>
            {' '}
            — {g.titles.slice(0, 4).join(', ')}
            {g.titles.length > 4 ? ` and ${g.titles.length - 4} more` : ''}
          </span>
        </li>
      ))}
    </ul>
  );
}
