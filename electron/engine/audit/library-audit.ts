/**
 * The library audit: every title the origin holds — found at the origin (its top-level prefixes and
 * their claims), not from this station's queue — audited against its live version's manifest read
 * from the origin, repaired from the archive when asked, and checked through the viewers' door
 * when the origin has a public URL. Within a request budget (requests per second; every request
 * counted by billing class), one title at a time, each result recorded durably as it is known: a
 * run killed midway continues with the titles it had not done.
 *
 * Not a station title (no claim, or another program's) is skipped, never touched. A title whose
 * claim names no live version, or whose manifest is unreadable, is a problem of that title.
 */
import { randomBytes } from 'node:crypto';
import type { Pool } from '../transfer/adaptive-limit.js';
import {
  MANIFEST_FILE,
  isMediaSegment,
  manifestSchema,
  type AuditProblem,
  type AuditRecord,
  type Manifest,
} from '../../common/manifest.js';
import type { LibraryRun, LibraryTitle } from '../../common/library.js';
import { claimKey, versionKey } from '../../common/title.js';
import type { Destination, RestoreTier } from '../destinations/destination.js';
import { ForeignClaim, readClaim, type ReadClaim } from '../title/claim.js';
import { errorMessage, throwIfAborted } from '../util/errors.js';
import { RequestBudget, b2Cost, metered } from './request-budget.js';
import { nextTitleEntry, type LibraryStore } from './library-store.js';
import { auditTitle, type Rebuild } from './title-audit.js';
import { manifestTrust, type ManifestTrust } from './evidence.js';
import { auditViewers } from './viewer-audit.js';

export interface LibraryAuditOptions {
  origin: Destination;
  archive?: Destination;
  store: LibraryStore;
  requestsPerSecond: number;
  repair: boolean;
  restore?: { tier: RestoreTier; days: number };
  /** The origin's public base URL: playlists and `sampleChunks` chunks per title fetched through it. */
  viewers?: { baseUrl: string; sampleChunks: number };
  retireGraceMs?: number;
  /** The operator confirmed deletions a repair would otherwise hold back (audit/evidence.ts). */
  confirmDeletes?: boolean;
  pool?: Pool;
  rebuild?: Rebuild;
  /** After each title: its entry (for progress, alerts). */
  onTitle?: (title: LibraryTitle, done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface LibraryAuditResult {
  run: LibraryRun;
  /** The titles of this run that still have problems. */
  problems: LibraryTitle[];
  /** Titles with a repair this run (for alerts: what was done). */
  repaired: LibraryTitle[];
}

async function titleIds(origin: Destination): Promise<string[]> {
  const ids: string[] = [];
  for await (const p of origin.listPrefixes('')) ids.push(p);
  return ids.sort();
}

type Found =
  | { skip: string }
  | {
      manifest: Manifest;
      text: Buffer;
      version: string;
      claim: ReadClaim;
      trust: ManifestTrust['state'];
      /** The origin's manifest disagreed with the archive's record (and the archive's copy is used). */
      disagreement?: AuditProblem;
    }
  | { problem: AuditProblem };

/**
 * The title's live version and its manifest, read from the origin — and checked against what the
 * archive recorded of it (audit/evidence.ts): the origin's word alone never lets a repair delete.
 */
async function liveManifest(
  origin: Destination,
  archive: Destination | undefined,
  titleId: string,
  signal?: AbortSignal,
): Promise<Found> {
  let read;
  try {
    read = await readClaim(origin, titleId, signal);
  } catch (err) {
    if (err instanceof ForeignClaim) return { skip: err.message };
    throw err;
  }
  if (!read) return { skip: 'no title claim: not a station title' };
  const live = read.claim.current;
  if (!live)
    return {
      problem: {
        key: claimKey(titleId),
        problem: 'not-live',
        detail: 'the claim names no live version (never committed, or withdrawn)',
      },
    };
  const key = versionKey(titleId, live.version, MANIFEST_FILE);
  const got = await origin.getObject(key, signal);
  if (!got)
    return {
      problem: {
        key,
        problem: 'missing',
        detail: `the live version ${live.version}'s manifest is gone from the origin: nothing to prove the title against (repair needs it; the archive's tar holds a copy)`,
      },
    };
  let manifest: Manifest | undefined;
  try {
    manifest = manifestSchema.parse(JSON.parse(got.body.toString('utf8')));
  } catch (err) {
    if (!archive)
      return {
        problem: { key, problem: 'content-mismatch', detail: `the manifest does not parse: ${errorMessage(err)}` },
      };
  }
  const trust = await manifestTrust({
    text: got.body,
    titleId,
    version: live.version,
    store: origin,
    ...(archive ? { archive } : {}),
    ...(signal ? { signal } : {}),
  });
  if (trust.state !== 'disagrees')
    return manifest
      ? { manifest, text: got.body, version: live.version, claim: read, trust: trust.state }
      : {
          problem: {
            key,
            problem: 'content-mismatch',
            detail: 'the manifest does not parse, and nothing records what it was',
          },
        };
  const disagreement: AuditProblem = { key, problem: 'manifest-disagrees', detail: trust.detail };
  if (!trust.replacement) return { problem: disagreement };
  return {
    manifest: trust.replacement.manifest,
    text: trust.replacement.text,
    version: live.version,
    claim: read,
    trust: 'confirmed',
    disagreement,
  };
}

/** The run a kill interrupted, or a new one (recorded before any title). */
async function startOrResume(store: LibraryStore): Promise<{ run: LibraryRun; resumed: boolean }> {
  const resumed = store.current;
  if (resumed) return { run: resumed.run, resumed: true };
  const run: LibraryRun = {
    id: `lib-${new Date().toISOString().replace(/[-:.]/g, '')}-${randomBytes(2).toString('hex')}`,
    number: (store.last?.number ?? 0) + 1,
    startedAt: new Date().toISOString(),
    titles: 0,
    audited: 0,
    withProblems: 0,
    requests: { A: 0, B: 0, C: 0 },
    costUsd: 0,
    seconds: 0,
  };
  await store.startRun(run);
  return { run, resumed: false };
}

/** What one run shares across its titles: metered stores, the budget, the viewers' sample tally. */
interface RunState {
  o: LibraryAuditOptions;
  origin: Destination;
  archive: Destination | undefined;
  budget: RequestBudget;
  /** The viewers' sample rotates with the run number: every chunk within ceil(chunks / sample) runs. */
  runIndex: number;
  viewers: { chunks: number; chunksTotal: number; runsToCoverAll: number };
}

type LiveTitle = Exclude<Found, { skip: string } | { problem: AuditProblem }>;

/** The title's objects at the origin against its manifest (repaired when asked); an audit that breaks is its problem. */
function auditAtOrigin(s: RunState, titleId: string, found: LiveTitle, at: string): Promise<AuditRecord[]> {
  const { o, origin, archive } = s;
  return auditTitle({
    destination: origin,
    role: 'origin',
    manifest: found.manifest,
    titleId,
    version: found.version,
    claim: found.claim,
    trust: found.trust,
    manifestText: found.text,
    ...(archive ? { peers: [archive] } : {}),
    ...(o.repair ? { repair: true } : {}),
    ...(o.confirmDeletes ? { confirmDeletes: true } : {}),
    ...(archive ? { archive } : {}),
    ...(o.restore ? { restore: o.restore } : {}),
    ...(o.pool ? { pool: o.pool } : {}),
    ...(o.rebuild ? { rebuild: o.rebuild } : {}),
    ...(o.retireGraceMs !== undefined ? { retireGraceMs: o.retireGraceMs } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  }).catch((err: unknown) => [
    {
      at,
      destination: o.origin.name,
      prefix: titleId,
      version: found.version,
      objectsExpected: 0,
      objectsListed: 0,
      deepChecked: 0,
      problems: [
        { key: titleId, problem: 'missing' as const, detail: `the audit could not finish: ${errorMessage(err)}` },
      ],
      seconds: 0,
    },
  ]);
}

/** The title through the viewers' door (a sample of its chunks), when the origin has a public URL. */
async function viewerCheck(
  s: RunState,
  titleId: string,
  found: LiveTitle,
): Promise<{ problems: AuditProblem[]; checked: number }> {
  const { o } = s;
  if (!o.viewers) return { problems: [], checked: 0 };
  const v = await auditViewers({
    baseUrl: o.viewers.baseUrl,
    titleId,
    version: found.version,
    manifest: found.manifest,
    sample: o.viewers.sampleChunks,
    runIndex: s.runIndex,
    budget: s.budget,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  s.viewers.chunks += v.chunks;
  s.viewers.chunksTotal += v.chunksTotal;
  if (v.chunks > 0) s.viewers.runsToCoverAll = Math.max(s.viewers.runsToCoverAll, Math.ceil(v.chunksTotal / v.chunks));
  return { problems: v.problems, checked: v.chunks };
}

/** One live title audited: its library entry, and whether a repair changed anything. */
async function auditLiveTitle(
  s: RunState,
  titleId: string,
  found: LiveTitle,
  at: string,
): Promise<{ entry: LibraryTitle; repaired: boolean }> {
  const last = (await auditAtOrigin(s, titleId, found, at)).at(-1)!;
  const viewers = await viewerCheck(s, titleId, found);
  const changed = last.repaired ? last.repaired.uploaded.length + last.repaired.deleted.length : 0;
  const entry = nextTitleEntry(s.o.store.titles.get(titleId), {
    titleId,
    version: found.version,
    at,
    problems: [...(found.disagreement ? [found.disagreement] : []), ...last.problems, ...viewers.problems],
    repaired: changed,
    ...(last.repaired ? { repairedKeys: last.repaired.uploaded } : {}),
    ...(last.restore ? { restore: last.restore } : {}),
    ...(last.rebuild ? { rebuild: { jobId: last.rebuild.jobId, detail: last.rebuild.detail } } : {}),
    chunks: found.manifest.files.filter(isMediaSegment).length,
    viewersChecked: viewers.checked,
  });
  return { entry, repaired: changed > 0 };
}

/** The run's totals, recorded as ended (requests and time added to a resumed run's). */
async function endRun(
  s: RunState,
  run: LibraryRun,
  resumed: boolean,
  started: number,
  ids: string[],
  problems: LibraryTitle[],
): Promise<LibraryRun> {
  const { o, budget } = s;
  const ended: LibraryRun = {
    ...run,
    endedAt: new Date().toISOString(),
    titles: ids.length,
    audited: o.store.current!.done.size,
    withProblems: problems.length,
    requests: {
      A: run.requests.A + budget.counts.A,
      B: run.requests.B + budget.counts.B,
      C: run.requests.C + budget.counts.C,
    },
    costUsd: 0,
    seconds: (resumed ? run.seconds : 0) + (Date.now() - started) / 1000,
    ...(o.viewers ? { viewers: s.viewers } : {}),
  };
  ended.costUsd = b2Cost(ended.requests);
  await o.store.endRun(ended);
  return ended;
}

export async function auditLibrary(o: LibraryAuditOptions): Promise<LibraryAuditResult> {
  const started = Date.now();
  const budget = new RequestBudget(o.requestsPerSecond);
  const origin = metered(o.origin, budget);
  const archive = o.archive ? metered(o.archive, budget) : undefined;
  // Continue the run a kill interrupted, else start one.
  const { run, resumed } = await startOrResume(o.store);
  const done = o.store.current!.done;
  const s: RunState = {
    o,
    origin,
    archive,
    budget,
    runIndex: run.number - 1,
    viewers: { chunks: 0, chunksTotal: 0, runsToCoverAll: 0 },
  };
  const ids = await titleIds(origin);
  const repaired: LibraryTitle[] = [];
  for (const titleId of ids) {
    throwIfAborted(o.signal);
    if (done.has(titleId)) continue;
    const found = await liveManifest(origin, archive, titleId, o.signal);
    if ('skip' in found) continue;
    const at = new Date().toISOString();
    let entry: LibraryTitle;
    if ('problem' in found) {
      entry = nextTitleEntry(o.store.titles.get(titleId), { titleId, at, problems: [found.problem] });
    } else {
      const audited = await auditLiveTitle(s, titleId, found, at);
      entry = audited.entry;
      if (audited.repaired) repaired.push(entry);
    }
    await o.store.record(entry);
    o.onTitle?.(entry, done.size, ids.length);
  }
  // The run's titles with problems — those audited before a kill included.
  const problems = ids
    .filter((id) => done.has(id))
    .map((id) => o.store.titles.get(id)!)
    .filter((t) => t && t.problems.length > 0);
  const ended = await endRun(s, run, resumed, started, ids, problems);
  return { run: ended, problems, repaired };
}
