/**
 * The claim protocol for a store that does not honour conditional writes (it ignores If-None-Match
 * or If-Match, or — radosgw on a versioned bucket — refuses the right ETag): a listing decides.
 *
 *   1. write an intent object of one's own, under a key nobody else can choose:
 *      `.ingest-station/claims/<titleId>/<time>-<random>.json` (a title ID cannot start with ".");
 *   2. list the title's intents (S3 listings are strongly consistent after a write);
 *   3. any other live intent there → withdraw one's own, back off (random, growing) and try again;
 *      only one's own → read the claim, decide, write it, read it back, then withdraw the intent.
 *
 * Two stations can both see each other and both back off (tried again, their random waits
 * separate them); they can never both proceed: whichever listed second saw the first's intent,
 * which stays until the first has written the claim — and the claim is read only after winning.
 * An intent older than `STALE_MS` by the store's own clock (a station that died holding it) no
 * longer counts. Withdrawing deletes the intent, or, where the key may not delete (an archive key
 * without delete rights), writes `<intent>.done` beside it.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Destination, RemoteObject } from '../destinations/destination.js';
import { StationError } from '../util/errors.js';

export const CLAIM_INTENTS = '.ingest-station/claims';
/** An intent this much older than one's own (store clock) belongs to a station that died holding it. */
export const STALE_MS = 120_000;
const ATTEMPTS = 8;

export class TitleBusy extends StationError {
  constructor(message: string) {
    super(message, 'title-busy');
    this.name = 'TitleBusy';
  }
}

export interface LockOwner {
  jobId: string;
  /** Waits between attempts (tests shorten them). */
  backoffMs?: number;
}

const intentDir = (titleId: string): string => `${CLAIM_INTENTS}/${titleId}/`;

async function withdraw(dest: Destination, key: string): Promise<void> {
  const r = await dest.delete(key);
  if (r.outcome === 'refused')
    await dest.writeObject(key.replace(/\.json$/, '.done'), Buffer.from('{}\n'), { transient: true });
}

/** The other intents that still count against ours. */
function rivals(listed: RemoteObject[], mineKey: string): RemoteObject[] {
  const done = new Set(listed.filter((o) => o.key.endsWith('.done')).map((o) => o.key.replace(/\.done$/, '.json')));
  const mine = listed.find((o) => o.key === mineKey);
  if (!mine)
    throw new StationError(
      `The store did not list the claim intent it had just written (${mineKey}): its listings are not consistent with its writes, so no claim protocol can be safe there`,
      'store-inconsistent',
    );
  const since = mine.lastModified ? Date.parse(mine.lastModified) - STALE_MS : -Infinity;
  return listed.filter(
    (o) =>
      o.key !== mineKey &&
      o.key.endsWith('.json') &&
      !done.has(o.key) &&
      (!o.lastModified || Date.parse(o.lastModified) >= since),
  );
}

/** Run `fn` (read the claim, decide, write it) while this station's intent is the title's only live one. */
export async function withTitleLock<T>(
  dest: Destination,
  titleId: string,
  owner: LockOwner,
  fn: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const dir = intentDir(titleId);
  let seen = 0;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    signal?.throwIfAborted();
    const key = `${dir}${Date.now().toString(36)}-${randomBytes(6).toString('hex')}.json`;
    const body = { kind: 'ingest-station-claim-intent', titleId, jobId: owner.jobId, at: new Date().toISOString() };
    await dest.writeObject(key, Buffer.from(JSON.stringify(body) + '\n'), {
      contentType: 'application/json',
      transient: true,
      ...(signal ? { signal } : {}),
    });
    let others: RemoteObject[];
    try {
      const listed: RemoteObject[] = [];
      for await (const o of dest.list(dir)) listed.push(o);
      others = rivals(listed, key);
    } catch (err) {
      await withdraw(dest, key).catch(() => undefined);
      throw err;
    }
    if (others.length === 0) {
      try {
        return await fn();
      } finally {
        await withdraw(dest, key);
      }
    }
    seen = others.length;
    await withdraw(dest, key);
    const base = owner.backoffMs ?? 400;
    await sleep(Math.round(base * 2 ** Math.min(attempt - 1, 4) * (0.5 + Math.random())), undefined, {
      ...(signal ? { signal } : {}),
    });
  }
  throw new TitleBusy(
    `Another station is changing the claim of "${titleId}" at ${dest.name} right now (${seen} other claim intent(s) under ${dir} at ${dest.describe()} after ${ATTEMPTS} tries): try again in a few minutes.`,
  );
}
