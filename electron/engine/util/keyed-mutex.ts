/**
 * One async critical section per key: callers with the same key run one after another, others in
 * parallel. The station's titles claim their prefixes through it, so two jobs of one station can
 * never race for the same title ID (stations racing each other are held off by the store's
 * conditional writes, or where a store does not honour them by the listing protocol of
 * title/claim-lock.ts).
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
