/**
 * Conditional writes proven, not assumed: four small writes to a scratch key of the destination's
 * own (`.ingest-station/probe/<random>`; a title ID cannot start with "."), then the key removed.
 *
 *   1. If-None-Match: *      on a new key         → must be written
 *   2. If-None-Match: *      again                → must be refused (412/409)
 *   3. If-Match: <its ETag>                       → must be written
 *   4. If-Match: <a wrong ETag>                   → must be refused
 *
 * A store that writes (2) or (4) ignores the header; one that refuses (3) cannot compare-and-swap
 * (radosgw 16 on a versioned bucket does both: it checks the new version's own object). Writes
 * that answer with a version ID show a versioned bucket. See common/store-facts.ts.
 */
import { randomBytes } from 'node:crypto';
import type { StoreFacts } from '../../common/store-facts.js';
import { PreconditionFailed, errorMessage } from '../util/errors.js';
import type { Destination } from './destination.js';

export const PROBE_PREFIX = '.ingest-station/probe';

type Writer = Pick<Destination, 'writeObject' | 'getObject' | 'delete'>;

async function refused(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return false;
  } catch (err) {
    if (err instanceof PreconditionFailed) return true;
    throw err;
  }
}

export async function probeConditionalWrites(dest: Writer, signal?: AbortSignal): Promise<StoreFacts> {
  const key = `${PROBE_PREFIX}/${Date.now().toString(36)}-${randomBytes(6).toString('hex')}.txt`;
  const body = (n: number): Buffer => Buffer.from(`Ingest Station conditional-write probe ${n}\n`);
  const opts = { contentType: 'text/plain', transient: true, ...(signal ? { signal } : {}) };
  const findings: string[] = [];
  const first = await dest.writeObject(key, body(1), { ...opts, ifAbsent: true });
  try {
    const createOnly = await refused(() => dest.writeObject(key, body(2), { ...opts, ifAbsent: true }));
    if (!createOnly) findings.push('If-None-Match: * was ignored (a second create of the same key was written)');
    const current = await dest.getObject(key, signal);
    const etag = current?.etag ?? '';
    const swapTakesRight = !(await refused(() => dest.writeObject(key, body(3), { ...opts, ifEtag: etag })));
    if (!swapTakesRight) findings.push('If-Match with the current ETag was refused');
    const swapRefusesWrong = await refused(() =>
      dest.writeObject(key, body(4), { ...opts, ifEtag: '0123456789abcdef0123456789abcdef' }),
    );
    if (!swapRefusesWrong) findings.push('If-Match with a wrong ETag was ignored (the write went through)');
    const versioned = !!first.versionId;
    if (versioned) findings.push('the bucket keeps versions');
    return {
      at: new Date().toISOString(),
      createOnly,
      compareAndSwap: swapTakesRight && swapRefusesWrong,
      versioned,
      findings,
    };
  } finally {
    // The probe's own object; a store that refuses deletes (an archive key without delete rights) keeps it.
    const removed = await dest
      .delete(key, signal)
      .catch((err: unknown) => ({ outcome: 'refused', detail: errorMessage(err) }));
    if (removed.outcome === 'refused')
      findings.push(`the probe object ${key} was left: ${removed.detail ?? 'refused'}`);
  }
}
