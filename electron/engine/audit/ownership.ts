/**
 * Whose a title's prefix is, as far as the claims say — the first question of every audit: only a
 * prefix whose claim makes this manifest's version the live one of this master is the title's own
 * (anything else is reported and not touched).
 *
 * A claim that contradicts itself (the live version also called retired) was not written by a
 * station and is evidence of nothing. A claim gone from the origin (deleted with everything else —
 * a stolen key, a mistake) is found again at the archive: when the archive's claim makes this very
 * version of this master live, the title is still the station's, and the repair writes the claim
 * back (as the origin shows it: no local path, no station). Deletions then wait for the operator:
 * the prefix was unclaimed for a while and may hold someone else's objects.
 */
import type { AuditProblem, Manifest } from '../../common/manifest.js';
import { claimKey, sameMaster, type TitleClaim, type VersionRef } from '../../common/title.js';
import type { Destination } from '../destinations/destination.js';
import { ForeignClaim, readClaim, type ReadClaim } from '../title/claim.js';

export type Ownership =
  | { owned: true; claim: TitleClaim; version: string; restoredFrom?: string }
  | { owned: false; claim?: TitleClaim; version?: string; problem: AuditProblem };

export interface OwnershipQuery {
  destination: Destination;
  role: 'origin' | 'archive';
  titleId: string;
  manifest: Manifest;
  version?: string;
  claim?: ReadClaim;
  archive?: Destination;
  signal?: AbortSignal;
}

/** A claim as the origin shows it: the masters by name, size and fingerprint only. */
export function publicClaim(claim: TitleClaim): TitleClaim {
  const strip = <T extends VersionRef>(v: T): T => {
    const { path: _p, station: _s, ...master } = v.master;
    return { ...v, master };
  };
  return {
    ...claim,
    ...(claim.current ? { current: strip(claim.current) } : {}),
    ...(claim.pending ? { pending: strip(claim.pending) } : {}),
    retired: claim.retired.map(strip),
  };
}

/** The archive's claim, when it makes this version of this master live. */
async function fromArchive(q: OwnershipQuery): Promise<Ownership | undefined> {
  if (q.role !== 'origin' || !q.archive) return undefined;
  const read = await readClaim(q.archive, q.titleId, q.signal).catch(() => undefined);
  const live = read?.claim.current;
  if (!read || !live || !sameMaster(live.master, q.manifest.source) || (q.version && q.version !== live.version))
    return undefined;
  return { owned: true, claim: publicClaim(read.claim), version: live.version, restoredFrom: q.archive.name };
}

export async function ownership(q: OwnershipQuery): Promise<Ownership> {
  const key = claimKey(q.titleId);
  let read;
  try {
    read = q.claim ?? (await readClaim(q.destination, q.titleId, q.signal));
  } catch (err) {
    if (err instanceof ForeignClaim)
      return { owned: false, problem: { key, problem: 'claimed-by-other', detail: err.message } };
    throw err;
  }
  if (!read)
    return (
      (await fromArchive(q)) ?? {
        owned: false,
        ...(q.version ? { version: q.version } : {}),
        problem: {
          key,
          problem: 'missing',
          detail: 'the title has no claim at this store, so nothing under its prefix is provably its own',
        },
      }
    );
  const { claim } = read;
  const live = claim.current;
  // A claim that contradicts itself was not written by a station: it is not evidence for anything.
  if (live && claim.retired.some((r) => r.version === live.version))
    return {
      owned: false,
      claim,
      problem: {
        key,
        problem: 'claim-disagrees',
        detail: `the claim at ${q.destination.name} calls the live version ${live.version} retired too: it was not written by a station (edited, or damaged) — nothing is touched; compare it with the archive's claim`,
      },
    };
  const version = q.version ?? (live && sameMaster(live.master, q.manifest.source) ? live.version : undefined);
  if (live && version === live.version && sameMaster(live.master, q.manifest.source))
    return { owned: true, claim, version };
  const what = live
    ? `the live version is ${live.version} from ${live.master.name} (${live.at.slice(0, 10)})`
    : 'nothing is live';
  return {
    owned: false,
    claim,
    ...(version ? { version } : {}),
    problem: {
      key,
      problem: 'not-live',
      detail: `${version ? `version ${version} of this manifest is not the title's live version` : "this manifest's master is not the title's"}: ${what}`,
    },
  };
}
