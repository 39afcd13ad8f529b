/**
 * Choosing a title's ID and claiming it at every destination, before the first byte is sent.
 *
 * An ID the operator set (the platform's own) is the only candidate: taken by another master, the
 * title stops with a sentence naming both masters, unless the operator chose replace. A derived ID
 * (the slug of the file name) has a second candidate, the slug plus 8 hex of the master's
 * fingerprint: two suppliers' `master.mov` become `master` and `master-1a2b3c4d`, and each keeps
 * its own on every later delivery (the first candidate that is free or already this master's wins).
 * Replace with a derived ID replaces the plain slug's title; a corrected re-delivery of a title that
 * lives under a suffixed ID names that ID explicitly.
 * The same ID is claimed at the origin and the archive; a destination that refuses undoes the
 * claims this attempt made at the others.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Destination } from '../destinations/destination.js';
import { StationError } from '../util/errors.js';
import type { KeyedMutex } from '../util/keyed-mutex.js';
import { newVersionId, sameMaster, slugTitle, type MasterRef, type TitleClaimSummary } from '../../common/title.js';
import { sourceName, type Manifest } from '../../common/manifest.js';
import type { TitleRequest } from '../../common/jobs.js';
import { claimAt, inspectClaim, readClaim, releaseAt, type ClaimVerdict } from './claim.js';

export interface ClaimTitleOptions {
  /** Origin first, then the archive. */
  destinations: Destination[];
  request: TitleRequest;
  /** The master's name without extension (the slug comes from it). */
  name: string;
  master: MasterRef;
  jobId: string;
  /** A version this job already chose (kept across retries); absent: a new one. */
  version?: string;
  /** This station's identity, and which of its other jobs' unfinished deliveries it may resume (see ClaimRequest). */
  station?: string;
  adoptable?: (jobId: string) => boolean;
  mutex: KeyedMutex;
  signal?: AbortSignal;
}

export class TitleConflict extends StationError {
  constructor(message: string) {
    super(message, 'title-conflict');
    this.name = 'TitleConflict';
  }
}

/** The derived candidates for a master: its slug, then the slug with its fingerprint. */
export function derivedTitleIds(
  name: string,
  master: { size: number; headTailSha256?: string | undefined },
): [string, string] {
  const slug = slugTitle(name);
  const tag = createHash('sha256')
    .update(`${master.size}:${master.headTailSha256 ?? ''}`)
    .digest('hex')
    .slice(0, 8);
  return [slug, `${slug}-${tag}`];
}

type Attempt = { ok: true; summary: TitleClaimSummary } | { ok: false; messages: string[] };

/**
 * The master as a claim at this destination names it. The origin is public behind the CDN: its
 * claim carries the master's name, size and fingerprint, never where it was read from or by which
 * machine; the archive (private, the way back) keeps the path and the station.
 */
function masterAt(o: ClaimTitleOptions, d: Destination): MasterRef {
  if (d !== o.destinations[0]) return o.master;
  const { path: _path, station: _station, ...shown } = o.master;
  return shown;
}

async function tryCandidate(o: ClaimTitleOptions, titleId: string, version: string): Promise<Attempt> {
  const replace = o.request.replace ?? false;
  const base = {
    titleId,
    jobId: o.jobId,
    replace,
    ...(o.station ? { station: o.station } : {}),
    ...(o.adoptable ? { adoptable: o.adoptable } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  };
  const at = (d: Destination) => ({ ...base, master: masterAt(o, d), destination: d });
  // Look everywhere before writing anywhere.
  const seen = await Promise.all(o.destinations.map((d) => inspectClaim({ ...at(d), version })));
  const refused = seen
    .filter((s) => s.verdict.mode === 'conflict')
    .map((s) => (s.verdict as { message: string }).message);
  if (refused.length > 0) return { ok: false, messages: refused };
  const delivered = seen.filter((s) => s.verdict.mode === 'delivered').length;
  if (delivered > 0 && delivered < seen.length) {
    const names = o.destinations.filter((_, i) => seen[i]!.verdict.mode === 'delivered').map((d) => d.name);
    throw new StationError(
      `"${titleId}" is already live from this master at ${names.join(' and ')} but not at every destination: choose Replace to deliver it again everywhere (one package for all).`,
      'title-partly-delivered',
    );
  }
  const summary: TitleClaimSummary = { titleId, version, destinations: {} };
  const claimed: Destination[] = [];
  let v = version;
  for (const d of o.destinations) {
    const verdict: ClaimVerdict = await claimAt({ ...at(d), version: v });
    if (verdict.mode === 'conflict') {
      // Lost a race at this destination: give back what this attempt took elsewhere.
      for (const c of claimed) await releaseAt(c, titleId, o.jobId).catch(() => undefined);
      return { ok: false, messages: [verdict.message] };
    }
    if (verdict.mode === 'new' || verdict.mode === 'replace') claimed.push(d);
    // The first destination's version (a resumed one, say) is the one used everywhere after it.
    if (d === o.destinations[0]) {
      summary.version = verdict.version;
      v = verdict.version;
    }
    summary.destinations[d.name] = {
      mode: verdict.mode,
      ...((verdict.mode === 'replace' || verdict.mode === 'resume') && verdict.replaced
        ? { replaced: verdict.replaced }
        : {}),
      ...(verdict.mode === 'resume' && verdict.adopted ? { adopted: verdict.adopted } : {}),
    };
  }
  return { ok: true, summary };
}

/**
 * Where an existing package's title lives at a store, derived the same way by every command: the
 * given ID, else the manifest's, else the derived candidates — the first whose claim makes this
 * master live (else the first candidate, whose audit then says what is wrong).
 */
export async function findTitle(
  dest: Destination,
  manifest: Manifest,
  override?: string,
): Promise<{ titleId: string; version?: string }> {
  const candidates = override
    ? [override]
    : manifest.titleId
      ? [manifest.titleId]
      : derivedTitleIds(manifest.title, manifest.source);
  for (const titleId of candidates) {
    const read = await readClaim(dest, titleId).catch(() => undefined);
    const live = read?.claim.current;
    if (live && sameMaster(live.master, manifest.source)) return { titleId, version: live.version };
  }
  return { titleId: candidates[0]! };
}

/** The master as a claim names it, from what a manifest recorded of it. */
export function masterFromManifest(manifest: Manifest): MasterRef {
  if (!manifest.source.headTailSha256)
    throw new StationError(
      `The manifest of "${manifest.title}" does not fingerprint its master: transcode it again with this station`,
      'manifest-old',
    );
  return {
    name: sourceName(manifest),
    size: manifest.source.size,
    headTailSha256: manifest.source.headTailSha256,
    ...(manifest.source.path ? { path: manifest.source.path } : {}),
  };
}

/** The owner of an offline package's claims: its job, else a name stable for that manifest. */
export function packageOwner(manifest: Manifest, manifestText: string): string {
  return manifest.jobId ?? `pkg-${createHash('sha256').update(manifestText).digest('hex').slice(0, 12)}`;
}

export async function claimTitle(o: ClaimTitleOptions): Promise<TitleClaimSummary> {
  // Replace names one title: the operator's ID, or the plain slug (never a free second candidate).
  const derived = derivedTitleIds(o.name, o.master);
  const candidates = o.request.titleId ? [o.request.titleId] : o.request.replace ? [derived[0]] : derived;
  const version = o.version ?? newVersionId(new Date(), randomBytes(2).toString('hex'));
  const refusals: string[] = [];
  for (const id of candidates) {
    const attempt = await o.mutex.run(id, () => tryCandidate(o, id, version));
    if (attempt.ok) return attempt.summary;
    refusals.push(...attempt.messages);
  }
  const advice = o.request.titleId
    ? 'Set another title ID, or choose Replace to publish this master in its place.'
    : 'Set the title ID by hand (the platform’s own ID), or choose Replace to publish this master in its place.';
  throw new TitleConflict(`${refusals.join(' ')} ${advice}`);
}
