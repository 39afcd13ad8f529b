/**
 * The library audit's request budget: every request to a store waits its turn (requests per second)
 * and is counted by the class stores bill it in — Backblaze B2 bills Class B (downloads: GET, HEAD)
 * per 10,000 and Class C (listings) per 1,000; uploads (Class A) are free. A listing is counted per
 * page (1,000 keys).
 */
import type { Destination, RemoteObject } from '../destinations/destination.js';
import { throwIfAborted } from '../util/errors.js';

export type RequestClass = 'A' | 'B' | 'C';

export interface RequestCounts {
  A: number;
  B: number;
  C: number;
}

/** B2's list prices (USD, 2024): Class B $0.004 per 10,000, Class C $0.004 per 1,000. */
export function b2Cost(c: RequestCounts): number {
  return (c.B / 10_000) * 0.004 + (c.C / 1_000) * 0.004;
}

const PAGE = 1000;

export class RequestBudget {
  readonly counts: RequestCounts = { A: 0, B: 0, C: 0 };
  private next = 0;

  constructor(
    readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** Wait for the next slot, then count one request of `cls`. */
  async take(cls: RequestClass, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    const at = Math.max(this.now(), this.next);
    this.next = at + 1000 / this.perSecond;
    const wait = at - this.now();
    if (wait > 0) await this.sleep(wait);
    this.counts[cls]++;
  }

  get total(): number {
    return this.counts.A + this.counts.B + this.counts.C;
  }
}

/** The same destination, every request through the budget. */
export function metered(dest: Destination, budget: RequestBudget): Destination {
  const pages = async function* <T>(items: AsyncIterable<T>): AsyncIterable<T> {
    let n = 0;
    await budget.take('C');
    for await (const item of items) {
      if (++n % PAGE === 0) await budget.take('C');
      yield item;
    }
  };
  const b =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>, cls: RequestClass) =>
    async (...a: A): Promise<R> => {
      await budget.take(cls);
      return fn(...a);
    };
  return {
    name: dest.name,
    kind: dest.kind,
    ...(dest.storageClass ? { storageClass: dest.storageClass } : {}),
    describe: () => dest.describe(),
    locate: (key) => dest.locate(key),
    put: b((req) => dest.put(req), 'A'),
    putSource: b((req) => dest.putSource(req), 'A'),
    head: b((key: string): Promise<RemoteObject | undefined> => dest.head(key), 'B'),
    list: (prefix) => pages(dest.list(prefix)),
    listPrefixes: (prefix) => pages(dest.listPrefixes(prefix)),
    read: b((key: string) => dest.read(key), 'B'),
    readRange: b(
      (key: string, start: number, end: number, signal?: AbortSignal) => dest.readRange(key, start, end, signal),
      'B',
    ),
    ...(dest.requestRestore
      ? {
          requestRestore: b(
            (key: string, opts: Parameters<NonNullable<Destination['requestRestore']>>[1]) =>
              dest.requestRestore!(key, opts),
            'A',
          ),
        }
      : {}),
    getObject: b((key: string, signal?: AbortSignal) => dest.getObject(key, signal), 'B'),
    downloadTo: b((key: string, path: string, signal?: AbortSignal) => dest.downloadTo(key, path, signal), 'B'),
    writeObject: b(
      (key: string, body: Buffer, opts?: Parameters<Destination['writeObject']>[2]) =>
        dest.writeObject(key, body, opts),
      'A',
    ),
    delete: b((key: string, signal?: AbortSignal) => dest.delete(key, signal), 'A'),
    facts: (opts) => dest.facts(opts),
    expectedEtag: (source, size, md5, stored) => dest.expectedEtag(source, size, md5, stored),
    close: () => undefined,
  };
}
