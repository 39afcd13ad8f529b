/**
 * The dashboard's reading of the queue, pure: what today brought (added, delivered, failed, bytes
 * per destination) and what is waiting on what — a slot, the queue's turn, the operator (a title ID,
 * a resume), a fix — so a glance says why titles are not moving.
 */
import { STAGE_LABELS, STAGES, type JobSnapshot } from '../../../electron/common/jobs';
import { fixFor } from '../failures';

export interface Today {
  added: number;
  delivered: number;
  failed: number;
  /** Bytes delivered today per destination (titles finished today). */
  bytes: Record<string, number>;
}

const isToday = (iso: string | undefined, midnight: number): boolean => !!iso && Date.parse(iso) >= midnight;

export function localMidnight(now: number): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

export function today(jobs: JobSnapshot[], now = Date.now()): Today {
  const midnight = localMidnight(now);
  const t: Today = { added: 0, delivered: 0, failed: 0, bytes: {} };
  for (const j of jobs) {
    if (isToday(j.createdAt, midnight)) t.added++;
    const ended = j.stages.report.endedAt ?? j.updatedAt;
    if (j.state === 'failed' && isToday(j.updatedAt, midnight)) t.failed++;
    if (j.state !== 'done' || !isToday(ended, midnight)) continue;
    t.delivered++;
    for (const [dest, d] of Object.entries(j.delivered ?? {})) t.bytes[dest] = (t.bytes[dest] ?? 0) + d.bytes;
  }
  return t;
}

export interface WaitGroup {
  /** Who or what the titles wait on, in words (for running titles: the stages they run). */
  on: string;
  kind: 'running' | 'slot' | 'turn' | 'operator' | 'fix';
  titles: string[];
}

function waitOf(j: JobSnapshot): Omit<WaitGroup, 'titles'> | undefined {
  if (j.state === 'failed' && j.error)
    return { kind: 'fix', on: `the operator: ${fixFor(j.error).label.replace(/…$/, '')}` };
  if (j.state === 'paused') {
    const held = j.stages.probe.state === 'pending' && j.stages.probe.detail?.startsWith('held');
    return { kind: 'operator', on: held ? 'the operator: a title ID, then Resume' : 'the operator: paused, Resume' };
  }
  if (j.state === 'queued') return { kind: 'turn', on: 'their turn (the station runs a few titles at once)' };
  if (j.state !== 'running') return undefined;
  const slot = STAGES.find((s) => j.stages[s].state === 'pending' && j.stages[s].detail?.startsWith('waiting for a'));
  if (slot)
    return {
      kind: 'slot',
      on: `a ${STAGE_LABELS[slot].toLowerCase()} slot (${j.stages[slot].detail!.replace(/^.*\((.*)\)$/, '$1')})`,
    };
  const running = STAGES.filter((s) => j.stages[s].state === 'running').map((s) => STAGE_LABELS[s].toLowerCase());
  return { kind: 'running', on: running.length ? running.join(' + ') : 'between stages' };
}

const ORDER: Record<WaitGroup['kind'], number> = { fix: 0, operator: 1, slot: 2, turn: 3, running: 4 };

/** Unfinished and failed titles grouped by what they wait on, the operator's part first. */
export function waitingOn(jobs: JobSnapshot[]): WaitGroup[] {
  const groups = new Map<string, WaitGroup>();
  for (const j of jobs) {
    const w = waitOf(j);
    if (!w) continue;
    const g = groups.get(w.on) ?? groups.set(w.on, { ...w, titles: [] }).get(w.on)!;
    g.titles.push(j.title);
  }
  return [...groups.values()].sort((a, b) => ORDER[a.kind] - ORDER[b.kind] || b.titles.length - a.titles.length);
}
