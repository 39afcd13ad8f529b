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
 * Every write is conditional where the store supports it, and read back: a store that ignored the
 * precondition is caught before anything else is written.
 */
import { StationError, PreconditionFailed } from '../util/errors.js';
import type { Destination } from '../destinations/destination.js';
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

/** Write the claim under a precondition and read it back (a store may ignore the precondition). */
async function writeClaim(
  dest: Destination,
  claim: TitleClaim,
  prev: ReadClaim | undefined,
  signal?: AbortSignal,
): Promise<void> {
  const key = claimKey(claim.titleId);
  const text = canonical(claim);
  await dest.writeObject(key, Buffer.from(text), {
    contentType: 'application/json',
    ...(prev ? (prev.etag ? { ifEtag: prev.etag } : {}) : { ifAbsent: true }),
    ...(signal ? { signal } : {}),
  });
  const back = await readClaim(dest, claim.titleId, signal);
  if (!back || canonical(back.claim) !== text) throw new PreconditionFailed(`${dest.name}:${key}`);
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
  now?: () => Date;
  signal?: AbortSignal;
}

export type ClaimVerdict =
  | { mode: 'new'; version: string }
  | { mode: 'resume' | 'replace'; version: string; replaced?: string }
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

/** What a claim at this destination would be, without writing anything. */
export async function inspectClaim(req: ClaimRequest): Promise<{ verdict: ClaimVerdict; read: ReadClaim | undefined }> {
  const read = await readClaim(req.destination, req.titleId, req.signal);
  if (!read) {
    if (!(await prefixIsEmpty(req.destination, req.titleId))) {
      return {
        read,
        verdict: {
          mode: 'conflict',
          message: `"${req.titleId}" at ${req.destination.name} already holds objects that no Ingest Station claim accounts for: they are not this station's to overwrite.`,
        },
      };
    }
    return { read, verdict: { mode: 'new', version: req.version } };
  }
  const { current, pending } = read.claim;
  if (pending?.jobId === req.jobId && sameMaster(pending.master, req.master))
    return {
      read,
      verdict: { mode: 'resume', version: pending.version, ...(current ? { replaced: current.version } : {}) },
    };
  if (current && current.jobId === req.jobId && sameMaster(current.master, req.master))
    return { read, verdict: { mode: 'delivered', version: current.version } };
  if (req.replace)
    return {
      read,
      verdict: { mode: 'replace', version: req.version, ...(current ? { replaced: current.version } : {}) },
    };
  if (current && sameMaster(current.master, req.master))
    return { read, verdict: { mode: 'delivered', version: current.version } };
  if (current) return { read, verdict: { mode: 'conflict', message: conflictSentence(req, current, true) } };
  if (pending) return { read, verdict: { mode: 'conflict', message: conflictSentence(req, pending, false) } };
  // A claim with nothing live and nothing pending (every version retired): free to take.
  return { read, verdict: { mode: 'new', version: req.version } };
}

/** Claim the title at one destination (see the module comment). Conflicts are returned, not thrown. */
export async function claimAt(req: ClaimRequest): Promise<ClaimVerdict> {
  const now = (): string => (req.now?.() ?? new Date()).toISOString();
  for (let attempt = 1; ; attempt++) {
    const { verdict, read } = await inspectClaim(req);
    if (verdict.mode === 'conflict' || verdict.mode === 'resume' || verdict.mode === 'delivered') return verdict;
    const mine: VersionRef = { version: verdict.version, master: req.master, jobId: req.jobId, at: now() };
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
    try {
      await writeClaim(req.destination, claim, read, req.signal);
      return verdict;
    } catch (err) {
      if (!(err instanceof PreconditionFailed) || attempt >= CAS_ATTEMPTS) throw err;
      // Someone wrote the claim between our read and our write: read it again and decide again.
    }
  }
}

export interface CommitRequest {
  destination: Destination;
  titleId: string;
  jobId: string;
  version: string;
  /** Write the public entry points (origin: master.m3u8, manifest.mpd) — after the fencing check. */
  publish?: () => Promise<void>;
  now?: () => Date;
  signal?: AbortSignal;
}

/** The fencing check: the claim must still name this job's version as pending (or already current). */
async function fencedRead(req: CommitRequest): Promise<{ read: ReadClaim; committed: boolean }> {
  const read = await readClaim(req.destination, req.titleId, req.signal);
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
  for (let attempt = 1; ; attempt++) {
    const { read, committed } = await fencedRead(req);
    if (committed) {
      // Committed by an earlier attempt that crashed after the claim was written: publish again
      // (idempotent) so the entry points are certainly this version's.
      if (!published) await req.publish?.();
      return {};
    }
    if (!published) {
      await req.publish?.();
      published = true;
    }
    const old = read.claim.current;
    const claim: TitleClaim = {
      ...read.claim,
      current: read.claim.pending!,
      retired: [...read.claim.retired, ...(old ? [{ ...old, retiredAt: now() }] : [])],
    };
    delete claim.pending;
    try {
      await writeClaim(req.destination, claim, read, req.signal);
      return old ? { retired: old.version } : {};
    } catch (err) {
      if (!(err instanceof PreconditionFailed) || attempt >= CAS_ATTEMPTS) throw err;
    }
  }
}

/** Entry points first, so no playlist outlives the chunks it names. */
const playlistFirst = (a: string, b: string): number =>
  Number(!/\.(m3u8|mpd)$/.test(a)) - Number(!/\.(m3u8|mpd)$/.test(b)) || a.localeCompare(b);

async function removeVersion(
  dest: Destination,
  titleId: string,
  version: string,
  signal?: AbortSignal,
): Promise<number> {
  const keys: string[] = [];
  for await (const o of dest.list(`${titleId}/${version}/`)) keys.push(o.key);
  keys.sort(playlistFirst);
  for (const key of keys) {
    if (signal?.aborted) break;
    await dest.delete(key);
  }
  return keys.length;
}

/**
 * Remove the retired versions whose grace period is over (a viewer mid-title keeps the version it
 * started with until then). Returns the versions removed.
 */
export async function sweepRetired(
  dest: Destination,
  titleId: string,
  graceMs: number,
  opts: { now?: () => Date; signal?: AbortSignal } = {},
): Promise<string[]> {
  const now = opts.now?.() ?? new Date();
  for (let attempt = 1; ; attempt++) {
    const read = await readClaim(dest, titleId, opts.signal);
    if (!read) return [];
    const due = read.claim.retired.filter((r) => Date.parse(r.retiredAt) + graceMs <= now.getTime());
    if (due.length === 0) return [];
    for (const r of due) await removeVersion(dest, titleId, r.version, opts.signal);
    const claim: TitleClaim = { ...read.claim, retired: read.claim.retired.filter((r) => !due.includes(r)) };
    try {
      await writeClaim(dest, claim, read, opts.signal);
      return due.map((r) => r.version);
    } catch (err) {
      if (!(err instanceof PreconditionFailed) || attempt >= CAS_ATTEMPTS) throw err;
    }
  }
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
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const read = await readClaim(dest, titleId, signal);
    const pending = read?.claim.pending;
    if (!read || pending?.jobId !== jobId) return;
    await removeVersion(dest, titleId, pending.version, signal);
    if (!read.claim.current && read.claim.retired.length === 0) {
      // Only when the claim is still exactly what was read: nobody else's claim is deleted.
      const again = await readClaim(dest, titleId, signal);
      if (again && canonical(again.claim) === canonical(read.claim)) await dest.delete(claimKey(titleId));
      return;
    }
    const claim: TitleClaim = { ...read.claim };
    delete claim.pending;
    try {
      await writeClaim(dest, claim, read, signal);
      return;
    } catch (err) {
      if (!(err instanceof PreconditionFailed) || attempt >= CAS_ATTEMPTS) throw err;
    }
  }
}
