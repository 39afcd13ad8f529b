/**
 * Audit: prove that a destination holds exactly what a title's manifest says. The title's prefix is
 * listed as a stream (paged by the store; memory grows with the manifest, never with the listing)
 * and every object compared: missing, unexpected, size, ETag (single-part = MD5; multipart = MD5 of
 * the part MD5s + "-N", computed from the local file with the part size the station uses), storage
 * class on the archive. `deep` downloads and hashes objects (all, or a random sample) for stores
 * whose ETag cannot be trusted.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import type { AuditProblem, AuditRecord } from '../../common/manifest.js';
import type { Destination, RemoteObject } from '../destinations/destination.js';
import { joinKey } from '../destinations/destination.js';

export interface ExpectedObject {
  /** Key relative to the destination root. */
  key: string;
  /** Undefined when unknown (the origin's own manifest.json when the local package is gone). */
  size?: number;
  /** The ETag the store should report: MD5 (single part) or md5-of-md5s-N; undefined = size only. */
  etag?: string;
  /**
   * A multipart object's ETag depends on the part size it was cut into (chosen for the link when
   * it was written): computed from the stored ETag when the listing shows one.
   */
  etagFor?: (stored: string) => Promise<string | undefined>;
  /** SHA-256 of the bytes, for deep audits. */
  sha256?: string;
  /** Kept in the store's default class on purpose (claims, entry points): no storage-class check. */
  ignoreStorageClass?: boolean;
}

export interface AuditOptions {
  destination: Destination;
  /** Title key prefix (no trailing slash). */
  prefix: string;
  expected: ExpectedObject[];
  /** Key prefixes under `prefix` that are accounted for elsewhere (other versions of the title). */
  ignorePrefixes?: string[];
  /** Storage class every object must be in (the archive: DEEP_ARCHIVE). */
  storageClass?: string;
  /** Download and hash objects: true = all, a number = a random sample of that many. */
  deep?: boolean | number;
  signal?: AbortSignal;
}

const sample = <T>(items: T[], k: number): T[] => {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, k);
};

export async function auditDestination(opts: AuditOptions): Promise<AuditRecord> {
  const started = Date.now();
  const expected = new Map(opts.expected.map((e) => [e.key, e]));
  const problems: AuditProblem[] = [];
  const present: ExpectedObject[] = [];
  let listed = 0;
  for await (const o of opts.destination.list(opts.prefix + '/')) {
    listed++;
    const e = expected.get(o.key);
    if (!e && opts.ignorePrefixes?.some((p) => o.key.startsWith(p))) continue;
    if (!e) {
      problems.push({ key: o.key, problem: 'unexpected', detail: `not in the manifest (${o.size} bytes)` });
      continue;
    }
    expected.delete(o.key);
    const p = compare(e.etagFor && o.etag ? { ...e, ...(await withEtag(e, o.etag)) } : e, o, opts.storageClass);
    if (p) problems.push(p);
    else present.push(e);
  }
  for (const e of expected.values())
    problems.push({
      key: e.key,
      problem: 'missing',
      detail: `the manifest lists ${e.size ?? 'this'} ${e.size !== undefined ? 'bytes' : 'object'}; the store has nothing`,
    });

  let deepChecked = 0;
  if (opts.deep) {
    const candidates = present.filter((e) => e.sha256);
    const chosen = typeof opts.deep === 'number' ? sample(candidates, opts.deep) : candidates;
    const limit = pLimit(Math.max(2, availableParallelism() * 2));
    await Promise.all(
      chosen.map((e) =>
        limit(async () => {
          const bytes = await opts.destination.read(e.key);
          deepChecked++;
          const sha = createHash('sha256').update(bytes).digest('hex');
          if (sha !== e.sha256)
            problems.push({
              key: e.key,
              problem: 'content-mismatch',
              detail: `SHA-256 ${sha} differs from the manifest's ${e.sha256}`,
            });
        }),
      ),
    );
  }
  problems.sort((a, b) => a.key.localeCompare(b.key) || a.problem.localeCompare(b.problem));
  return {
    at: new Date().toISOString(),
    destination: opts.destination.name,
    prefix: opts.prefix,
    objectsExpected: opts.expected.length,
    objectsListed: listed,
    deepChecked,
    problems,
    seconds: (Date.now() - started) / 1000,
  };
}

async function withEtag(e: ExpectedObject, stored: string): Promise<{ etag?: string }> {
  const etag = await e.etagFor!(stored).catch(() => undefined);
  return etag ? { etag } : {};
}

function compare(e: ExpectedObject, o: RemoteObject, storageClass: string | undefined): AuditProblem | undefined {
  if (e.size !== undefined && o.size !== e.size)
    return {
      key: e.key,
      problem: 'size-mismatch',
      detail: `${o.size} bytes at the store; the manifest says ${e.size}`,
    };
  if (e.etag && o.etag && o.etag !== e.etag)
    return { key: e.key, problem: 'etag-mismatch', detail: `ETag ${o.etag} at the store; expected ${e.etag}` };
  if (storageClass && !e.ignoreStorageClass && o.storageClass && o.storageClass !== storageClass) {
    return {
      key: e.key,
      problem: 'wrong-storage-class',
      detail: `stored as ${o.storageClass}; the archive needs ${storageClass}`,
    };
  }
  return undefined;
}

export { joinKey };
