/**
 * A problem found by a scheduled audit is never silent: the station raises an alert — the desktop
 * app shows it as an OS notification — and, when a webhook is configured, POSTs it as JSON (title,
 * keys, problems, what the repair did). The webhook is retried a few times with backoff; a webhook
 * that stays down is reported in the station's log, and the audit's results stand regardless.
 */
import type { AuditProblem } from '../../common/manifest.js';
import type { LibraryTitle } from '../../common/library.js';

export interface AuditAlert {
  kind: 'library-audit';
  station: string;
  at: string;
  destination: string;
  titleId: string;
  version?: string;
  /** The keys with problems. */
  keys: string[];
  problems: AuditProblem[];
  /** What the repair did: fixed, waiting for the archive's restore, not attempted, or left problems. */
  repair: 'repaired' | 'waiting-for-restore' | 'rebuilding' | 'not-repaired' | 'problems-remain';
  repairedObjects: number;
  detail: string;
}

export function alertFor(
  t: LibraryTitle,
  ctx: { station: string; destination: string; repaired: boolean; repairAsked: boolean },
): AuditAlert {
  const repair: AuditAlert['repair'] = t.restore
    ? 'waiting-for-restore'
    : t.rebuild
      ? 'rebuilding'
      : t.problems.length === 0
        ? 'repaired'
        : ctx.repairAsked
          ? 'problems-remain'
          : 'not-repaired';
  const detail =
    repair === 'repaired'
      ? `${t.titleId}: problems found and repaired; proven whole again`
      : repair === 'waiting-for-restore'
        ? `${t.titleId}: ${t.problems.length} problem(s); the repair waits for the archive copy (${t.restore!.detail})`
        : repair === 'rebuilding'
          ? `${t.titleId}: ${t.problems.length} problem(s); ${t.rebuild!.detail}`
          : `${t.titleId}: ${t.problems.length} problem(s) at ${ctx.destination} (first: ${t.problems[0]!.key} ${t.problems[0]!.problem} — ${t.problems[0]!.detail})`;
  return {
    kind: 'library-audit',
    station: ctx.station,
    at: t.lastAudit,
    destination: ctx.destination,
    titleId: t.titleId,
    ...(t.version ? { version: t.version } : {}),
    keys: [...new Set(t.problems.map((p) => p.key))],
    problems: t.problems,
    repair,
    repairedObjects: t.repairs,
    detail,
  };
}

/** POST the alert; resolves with what happened (never throws: an alert must not break the audit). */
export async function postWebhook(
  url: string,
  alert: AuditAlert,
  opts: { attempts?: number; timeoutMs?: number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<{ ok: boolean; detail: string }> {
  const attempts = opts.attempts ?? 3;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let last = '';
  for (let i = 0; i < attempts; i++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'IngestStation-alert' },
        body: JSON.stringify(alert),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
      if (res.ok) return { ok: true, detail: `HTTP ${res.status}` };
      last = `HTTP ${res.status}`;
      if (res.status < 500 && res.status !== 429) break; // the receiver refuses it: retrying will not help
    } catch (err) {
      last = (err as Error).message;
    }
    if (i < attempts - 1) await sleep(500 * 2 ** i);
  }
  return { ok: false, detail: `the alert webhook ${new URL(url).host} did not take the alert (${last})` };
}
