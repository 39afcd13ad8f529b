/**
 * What a store proved it does, as opposed to what the S3 API says it should: whether it honours
 * conditional writes (`If-None-Match: *` refuses a second create, `If-Match` takes the right ETag
 * and refuses a wrong one) and whether its bucket keeps versions. Probed on a scratch key by
 * "Test connection" and on a destination's first use, remembered per destination in the work
 * folder (`stores.json`), shown in Settings. The claim protocol follows from it: compare-and-swap
 * on `title.json` where both conditions hold, else the listing protocol (engine/title/claim-lock.ts).
 *
 * Why it is probed: radosgw 16 evaluates both headers against the new version's own object on a
 * versioned bucket — `If-None-Match: *` always passes and `If-Match` never does (measured) — and
 * other S3-compatible stores answer 200 to headers they do not implement.
 */

export interface StoreFacts {
  /** When the probe ran (ISO). */
  at: string;
  /** A second `If-None-Match: *` write to the same key was refused (412/409). */
  createOnly: boolean;
  /** `If-Match` with the current ETag was accepted, and with a wrong one refused. */
  compareAndSwap: boolean;
  /** Writes answered with a version ID: removals leave delete markers, older versions stay. */
  versioned: boolean;
  /** What the probe saw, in one sentence per finding (for the settings screen and logs). */
  findings: string[];
}

export type ClaimProtocol = 'conditional' | 'listing';

export function claimProtocolOf(f: Pick<StoreFacts, 'createOnly' | 'compareAndSwap'>): ClaimProtocol {
  return f.createOnly && f.compareAndSwap ? 'conditional' : 'listing';
}

/** One line for the operator: which claim protocol the station uses at this store, and why. */
export function describeClaimProtocol(f: StoreFacts): string {
  return claimProtocolOf(f) === 'conditional'
    ? `Claims by conditional writes (If-None-Match and If-Match proven ${f.at.slice(0, 10)})`
    : `Claims by the listing protocol (a claim object per station and attempt, a listing decides): ${f.findings.join('; ')}`;
}
