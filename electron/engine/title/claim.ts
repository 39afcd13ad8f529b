/**
 * The claim protocol of one title at one destination (see common/title.ts for the layout).
 *
 *   claim   before the first byte of a delivery: read `<titleId>/title.json`.
 *           absent and the prefix empty → write it (create-only) naming this job's pending version;
 *           this job's own pending version → resume it;
 *           the same master already live → delivered (nothing to send);
 *           anything else → a conflict, unless the operator chose replace: then a new pending
 *           version is named beside the live one (compare-and-swap on the claim's ETag).
 *   commit  after every object of the version is acknowledged: check the claim still names this
 *           job's version (a fencing check: a delivery that lost its claim stops before publishing),
 *           publish the entry points, then make the version current and retire the old one.
 *   sweep   remove retired versions whose grace period has passed — only versions the title's own
 *           claim names, so nothing foreign is ever deleted.
 *   release a cancelled delivery gives its pending version back (and the prefix, if it was new).
 *
 * Every change goes through `updateClaim`: a conditional write where the store proved it honours
 * them (common/store-facts.ts), else the listing protocol (claim-lock.ts); always read back.
 */
import { StationError, PreconditionFailed } from '../util/errors.js';
import type { Destination, Removal } from '../destinations/destination.js';
import { claimProtocolOf } from '../../common/store-facts.js';
import { withTitleLock, type LockOwner } from './claim-lock.js';
import {
  claimKey,
  sameMaster,
  titleClaimSchema,
  type MasterRef,
  type TitleClaim,
  type VersionRef,
} from '../../common/title.js';
import { formatBytes } from '../../common/format.js';
import { describeZodError } from '../../common/config.js';

/** Attempts of a compare-and-swap before the station gives up and says so. */
const CAS_ATTEMPTS = 6;

/** Every store a title is claimed at: the origin, and the archive when there is one. */
export function titleDestinations(at: { origin: Destination; archive?: Destination | undefined }): Destination[] {
  return at.archive ? [at.origin, at.archive] : [at.origin];
}

export interface ReadClaim {
  claim: TitleClaim;
  etag?: string;
}

/** A title.json that is not an Ingest Station claim: the prefix is not provably ours. */
export class ForeignClaim extends StationError {
  constructor(destination: string, titleId: string, why: string) {
    super(
      `"${titleId}" at ${destination} holds a title.json that is not an Ingest Station claim (${why}): the station will not write there`,
      'title-foreign',
    );
  }
}

export async function readClaim(
  dest: Destination,
  titleId: string,
  signal?: AbortSignal,
): Promise<ReadClaim | undefined> {
  const got = await dest.getObject(claimKey(titleId), signal);
  if (!got) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(got.body.toString('utf8'));
  } catch {
    throw new ForeignClaim(dest.name, titleId, 'not JSON');
  }
  const parsed = titleClaimSchema.safeParse(json);
  if (!parsed.success) throw new ForeignClaim(dest.name, titleId, describeZodError(parsed.error));
  if (parsed.data.titleId !== titleId)
    throw new ForeignClaim(dest.name, titleId, `it names title "${parsed.data.titleId}"`);
  return { claim: parsed.data, ...(got.etag ? { etag: got.etag } : {}) };
}

/** The claim as text, its keys in schema order (so two equal claims are equal strings). */
const canonical = (claim: TitleClaim): string => JSON.stringify(titleClaimSchema.parse(claim), null, 2) + '\n';

/**
 * How a claim is changed at one store. `step` reads what is there and decides: the claim to write
 * (or `null`: remove it), and what to return. Where the store proved conditional writes
 * (common/store-facts.ts) the write is a create-only or compare-and-swap, retried on a lost race;
 * elsewhere the listing protocol (claim-lock.ts) makes this station the only writer for the step.
 * Either way the claim is read back: a store that ignored a precondition is caught. A
 * compare-and-swap that keeps failing makes the station probe the store again — a bucket made
 * versioned since the last probe no longer honours If-Match on radosgw — and switch protocols.
 */
export async function updateClaim<T>(
  dest: Destination,
  titleId: string,
  owner: LockOwner,
  step: (read: ReadClaim | undefined) => Promise<{ write?: TitleClaim | null; result: T }>,
  signal?: AbortSignal,
): Promise<T> {
  const once = async (conditional: boolean): Promise<T> => {
    const read = await readClaim(dest, titleId, signal);
    const { write, result } = await step(read);
    if (write === undefined) return result;
    if (write === null) {
      await dest.delete(claimKey(titleId), signal);
      return result;
    }
    const text = canonical(write);
    await dest.writeObject(claimKey(titleId), Buffer.from(text), {
      contentType: 'application/json',
      ...(conditional ? (read ? (read.etag ? { ifEtag: read.etag } : {}) : { ifAbsent: true }) : {}),
      ...(signal ? { signal } : {}),
    });
    const back = await readClaim(dest, titleId, signal);
    if (!back || canonical(back.claim) !== text) throw new PreconditionFailed(`${dest.name}:${claimKey(titleId)}`);
    return result;
  };
  let facts = await dest.facts(signal ? { signal } : {});
  for (let attempt = 1; claimProtocolOf(facts) === 'conditional'; attempt++) {
    try {
      return await once(true);
    } catch (err) {
      if (!(err instanceof PreconditionFailed)) throw err;
      if (attempt < CAS_ATTEMPTS) continue;
      const again = await dest.facts({ refresh: true, ...(signal ? { signal } : {}) });
      if (claimProtocolOf(again) === 'conditional') throw err;
      facts = again;
    }
  }
  return withTitleLock(dest, titleId, owner, () => once(false), signal);
}

async function prefixIsEmpty(dest: Destination, titleId: string): Promise<boolean> {
  for await (const _o of dest.list(`${titleId}/`)) return false;
  return true;
}

export interface ClaimRequest {
  destination: Destination;
  titleId: string;
  master: MasterRef;
  jobId: string;
  /** The version folder this job delivers into if it starts a new delivery. */
  version: string;
  replace: boolean;
  /** This station's identity (util/station-id.ts), recorded with its deliveries. */
  station?: string;
  /**
   * Whether this station may take over another of its jobs' unfinished delivery of the same master
   * (that job failed, was cancelled, or its record is gone): the title keeps its ID and version.
   */
  adoptable?: (jobId: string) => boolean;
  now?: () => Date;
  signal?: AbortSignal;
}

export type ClaimVerdict =
  | { mode: 'new'; version: string }
  | { mode: 'resume' | 'replace'; version: string; replaced?: string; adopted?: string }
  | { mode: 'delivered'; version: string }
  | { mode: 'conflict'; message: string };

const describeMaster = (m: MasterRef): string =>
  `${m.name} (${formatBytes(m.size)}${m.path ? `, ${m.path}` : ''}${m.station ? ` on ${m.station}` : ''})`;

function conflictSentence(req: ClaimRequest, holder: VersionRef, live: boolean): string {
  const what = live
    ? `is live with ${describeMaster(holder.master)}, delivered ${holder.at.slice(0, 10)}`
    : `is being delivered from ${describeMaster(holder.master)} by job ${holder.jobId} since ${holder.at.slice(0, 16).replace('T', ' ')}`;
  return `"${req.titleId}" at ${req.destination.name} ${what}; this title's master is ${describeMaster(req.master)}.`;
}

/** What a claim at this destination would be, given what it holds now. */
async function decide(req: ClaimRequest, read: ReadClaim | undefined): Promise<ClaimVerdict> {
  if (!read) {
    if (!(await prefixIsEmpty(req.destination, req.titleId)))
      return {
        mode: 'conflict',
        message: `"${req.titleId}" at ${req.destination.name} already holds objects that no Ingest Station claim accounts for: they are not this station's to overwrite.`,
      };
    return { mode: 'new', version: req.version };
  }
  const { current, pending } = read.claim;
  if (pending?.jobId === req.jobId && sameMaster(pending.master, req.master))
    return { mode: 'resume', version: pending.version, ...(current ? { replaced: current.version } : {}) };
  // This station's own earlier attempt at the same master (failed, or its record lost): resumed.
  if (
    pending &&
    req.station &&
    pending.station === req.station &&
    sameMaster(pending.master, req.master) &&
    req.adoptable?.(pending.jobId)
  )
    return {
      mode: 'resume',
      version: pending.version,
      adopted: pending.jobId,
      ...(current ? { replaced: current.version } : {}),
    };
  if (current && current.jobId === req.jobId && sameMaster(current.master, req.master))
    return { mode: 'delivered', version: current.version };
  if (req.replace) return { mode: 'replace', version: req.version, ...(current ? { replaced: current.version } : {}) };
  if (current && sameMaster(current.master, req.master)) return { mode: 'delivered', version: current.version };
  if (current) return { mode: 'conflict', message: conflictSentence(req, current, true) };
  if (pending) return { mode: 'conflict', message: conflictSentence(req, pending, false) };
  // A claim with nothing live and nothing pending (every version retired): free to take.
  return { mode: 'new', version: req.version };
}

/** What a claim at this destination would be, without writing anything. */
export async function inspectClaim(req: ClaimRequest): Promise<{ verdict: ClaimVerdict; read: ReadClaim | undefined }> {
  const read = await readClaim(req.destination, req.titleId, req.signal);
  return { read, verdict: await decide(req, read) };
}

/** Claim the title at one destination (see the module comment). Conflicts are returned, not thrown. */
export async function claimAt(req: ClaimRequest): Promise<ClaimVerdict> {
  const now = (): string => (req.now?.() ?? new Date()).toISOString();
  return updateClaim<ClaimVerdict>(
    req.destination,
    req.titleId,
    { jobId: req.jobId },
    async (read) => {
      const verdict = await decide(req, read);
      const mine: VersionRef = {
        version: verdict.mode === 'conflict' ? '' : verdict.version,
        master: req.master,
        jobId: req.jobId,
        ...(req.station ? { station: req.station } : {}),
        at: now(),
      };
      // Taking over this station's abandoned attempt: the pending version becomes this job's.
      if (verdict.mode === 'resume' && verdict.adopted && read)
        return { write: { ...read.claim, pending: { ...read.claim.pending!, ...mine } }, result: verdict };
      if (verdict.mode === 'conflict' || verdict.mode === 'resume' || verdict.mode === 'delivered')
        return { result: verdict };
      const claim: TitleClaim = read
        ? {
            ...read.claim,
            pending: mine,
            // Another job's unfinished delivery that a replacement takes over: its objects go too.
            retired: [
              ...read.claim.retired,
              ...(read.claim.pending ? [{ ...read.claim.pending, retiredAt: now() }] : []),
            ],
          }
        : { kind: 'ingest-station-title', schemaVersion: 1, titleId: req.titleId, pending: mine, retired: [] };
      return { write: claim, result: verdict };
    },
    req.signal,
  );
}

export interface CommitRequest {
  destination: Destination;
  titleId: string;
  jobId: string;
  version: string;
  /** Write the public entry points (origin: master.m3u8, manifest.mpd) — after the fencing check. */
  publish?: () => Promise<void>;
  /** The version's manifest SHA-256, recorded in the claim (the evidence a later audit checks against). */
  manifestSha256?: string;
  now?: () => Date;
  signal?: AbortSignal;
}

/** The fencing check: the claim must still name this job's version as pending (or already current). */
function fenced(req: CommitRequest, read: ReadClaim | undefined): { read: ReadClaim; committed: boolean } {
  const mine = (v: VersionRef | undefined): boolean => v?.jobId === req.jobId && v.version === req.version;
  if (read && mine(read.claim.current)) return { read, committed: true };
  if (!read || !mine(read.claim.pending)) {
    const holder = read?.claim.pending ?? read?.claim.current;
    throw new StationError(
      `The claim of "${req.titleId}" at ${req.destination.name} no longer names this delivery (${req.version})${holder ? `: job ${holder.jobId} holds it since ${holder.at}` : ': it is gone'} — stopped before publishing anything`,
      'claim-lost',
    );
  }
  return { read, committed: false };
}

/** Publish and make the version current; returns the version it replaced (now retired), if any. */
export async function commitAt(req: CommitRequest): Promise<{ retired?: string }> {
  const now = (): string => (req.now?.() ?? new Date()).toISOString();
  let published = false;
  return updateClaim(
    req.destination,
    req.titleId,
    { jobId: req.jobId },
    async (found) => {
      const { read, committed } = fenced(req, found);
      if (committed) {
        // Committed by an earlier attempt that crashed after the claim was written: publish again
        // (idempotent) so the entry points are certainly this version's.
        if (!published) await req.publish?.();
        return { result: {} };
      }
      if (!published) {
        await req.publish?.();
        published = true;
      }
      const old = read.claim.current;
      const claim: TitleClaim = {
        ...read.claim,
        current: { ...read.claim.pending!, ...(req.manifestSha256 ? { manifestSha256: req.manifestSha256 } : {}) },
        retired: [...read.claim.retired, ...(old ? [{ ...old, retiredAt: now() }] : [])],
      };
      delete claim.pending;
      return { write: claim, result: old ? { retired: old.version } : {} };
    },
    req.signal,
  );
}

/** Entry points first, so no playlist outlives the chunks it names. */
const playlistFirst = (a: string, b: string): number =>
  Number(!/\.(m3u8|mpd)$/.test(a)) - Number(!/\.(m3u8|mpd)$/.test(b)) || a.localeCompare(b);

/** Remove one version's objects (playlists first); what the store did with each is returned. */
async function removeVersion(
  dest: Destination,
  titleId: string,
  version: string,
  signal?: AbortSignal,
): Promise<Removal[]> {
  const keys: string[] = [];
  for await (const o of dest.list(`${titleId}/${version}/`)) keys.push(o.key);
  keys.sort(playlistFirst);
  const out: Removal[] = [];
  for (const key of keys) {
    if (signal?.aborted) break;
    out.push(await dest.delete(key, signal));
  }
  return out;
}

export interface SweepResult {
  /** Versions whose objects are gone (and which the claim no longer names). */
  versions: string[];
  /** What the store did with each object (delete markers, refusals). */
  removals: Removal[];
  /** Versions the claim calls retired that something else still calls live: not touched. */
  kept: { version: string; why: string }[];
}

/**
 * Why a version this store's claim calls retired may still be live — the claim is the store's word,
 * and the store may have been written by someone else: the same claim names it current or
 * pending too, another store's claim does, or this store's public entry point still plays it.
 */
async function stillLive(
  dest: Destination,
  titleId: string,
  version: string,
  claim: TitleClaim,
  peers: Destination[],
  signal?: AbortSignal,
): Promise<string | undefined> {
  const live = (c: TitleClaim): boolean => c.current?.version === version || c.pending?.version === version;
  if (live(claim)) return `the same claim at ${dest.name} also names it live`;
  for (const p of peers) {
    const other = (await readClaim(p, titleId, signal).catch(() => undefined))?.claim;
    // Still live there only because the replacement that retired it here is not committed there yet: not live.
    const replacing = !!other?.pending && other.pending.version === claim.current?.version;
    if (other && live(other) && !(replacing && other.current?.version === version))
      return `the claim at ${p.name} names it live`;
  }
  for (const name of ['master.m3u8', 'manifest.mpd']) {
    const entry = await dest.getObject(`${titleId}/${name}`, signal).catch(() => undefined);
    if (entry?.body.includes(`${version}/`)) return `${dest.name}'s public ${name} still plays it`;
  }
  return undefined;
}

/**
 * Remove the retired versions whose grace period is over (a viewer mid-title keeps the version it
 * started with until then). The objects go first, outside the claim's critical section (they are
 * the title's own); then the claim drops the versions that are gone. A version the store would not
 * let go of (an archive key without delete rights, Object Lock) stays named in the claim, marked
 * `left` with the reason, and is not tried again.
 */
export async function sweepRetired(
  dest: Destination,
  titleId: string,
  graceMs: number,
  opts: { now?: () => Date; signal?: AbortSignal; peers?: Destination[] } = {},
): Promise<SweepResult> {
  const now = opts.now?.() ?? new Date();
  const read = await readClaim(dest, titleId, opts.signal);
  const candidates = (read?.claim.retired ?? []).filter(
    (r) => !r.left && Date.parse(r.retiredAt) + graceMs <= now.getTime(),
  );
  if (!read || candidates.length === 0) return { versions: [], removals: [], kept: [] };
  const kept: SweepResult['kept'] = [];
  const due: typeof candidates = [];
  for (const r of candidates) {
    const why = await stillLive(
      dest,
      titleId,
      r.version,
      read.claim,
      (opts.peers ?? []).filter((p) => p !== dest),
      opts.signal,
    );
    if (why) kept.push({ version: r.version, why });
    else due.push(r);
  }
  if (due.length === 0) return { versions: [], removals: [], kept };
  const removals: Removal[] = [];
  const left = new Map<string, string>();
  for (const r of due) {
    const removed = await removeVersion(dest, titleId, r.version, opts.signal);
    removals.push(...removed);
    const refused = removed.filter((x) => x.outcome === 'refused');
    if (refused.length) left.set(r.version, `${refused.length} object(s) refused: ${refused[0]!.detail ?? 'refused'}`);
  }
  const gone = due.map((r) => r.version).filter((v) => !left.has(v));
  await updateClaim(
    dest,
    titleId,
    { jobId: 'sweep' },
    async (again) => {
      if (!again) return { result: undefined };
      const retired = again.claim.retired
        .filter((r) => !gone.includes(r.version))
        .map((r) => (left.has(r.version) && !r.left ? { ...r, left: left.get(r.version)! } : r));
      if (JSON.stringify(retired) === JSON.stringify(again.claim.retired)) return { result: undefined };
      return { write: { ...again.claim, retired }, result: undefined };
    },
    opts.signal,
  );
  return { versions: gone, removals, kept };
}

/**
 * A cancelled delivery hands its claim back: its pending version's objects are removed, and a
 * prefix it created (nothing live, nothing retired) is left empty again. A claim that no longer
 * names this job is left alone.
 */
export async function releaseAt(
  dest: Destination,
  titleId: string,
  jobId: string,
  signal?: AbortSignal,
): Promise<Removal[]> {
  const read = await readClaim(dest, titleId, signal);
  const pending = read?.claim.pending;
  if (!read || pending?.jobId !== jobId) return [];
  const removals = await removeVersion(dest, titleId, pending.version, signal);
  await updateClaim(
    dest,
    titleId,
    { jobId },
    async (again) => {
      if (again?.claim.pending?.jobId !== jobId || again.claim.pending.version !== pending.version)
        return { result: undefined };
      // A prefix this delivery created goes back to empty; otherwise only the pending entry goes.
      if (!again.claim.current && again.claim.retired.length === 0) return { write: null, result: undefined };
      const claim: TitleClaim = { ...again.claim };
      delete claim.pending;
      return { write: claim, result: undefined };
    },
    signal,
  );
  return removals;
}
