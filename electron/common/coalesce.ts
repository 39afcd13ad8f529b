/**
 * Coalesces a stream of updates per key so a 10,000-chunk job cannot flood the UI: at most one
 * delivery per key per interval, always delivering the latest value, and final states immediately.
 */
export interface Coalescer<T> {
  push(key: string, value: T, flushNow?: boolean): void;
  dispose(): void;
}

export function createCoalescer<T>(deliver: (value: T) => void, intervalMs = 100): Coalescer<T> {
  const pending = new Map<string, T>();
  const lastSent = new Map<string, number>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();

  const send = (key: string): void => {
    const timer = timers.get(key);
    if (timer) clearTimeout(timer);
    timers.delete(key);
    const value = pending.get(key);
    if (value === undefined) return;
    pending.delete(key);
    lastSent.set(key, Date.now());
    deliver(value);
  };

  return {
    push(key, value, flushNow = false) {
      pending.set(key, value);
      const since = Date.now() - (lastSent.get(key) ?? 0);
      if (flushNow || since >= intervalMs) return send(key);
      if (!timers.has(key))
        timers.set(
          key,
          setTimeout(() => send(key), intervalMs - since),
        );
    },
    dispose() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      pending.clear();
    },
  };
}

/**
 * Job updates → a sink, at most one per job per interval, but a change of job state or of the
 * running stage is delivered at once so the UI never shows a stale "running" after "done".
 */
export function createJobUpdateForwarder<J extends { id: string; state: string; stage: string }>(
  send: (job: J) => void,
  intervalMs = 100,
): Coalescer<J> & { forward(job: J): void } {
  const coalescer = createCoalescer(send, intervalMs);
  const lastPhase = new Map<string, string>();
  return {
    ...coalescer,
    forward(job) {
      const phase = `${job.state}:${job.stage}`;
      const changed = lastPhase.get(job.id) !== phase;
      lastPhase.set(job.id, phase);
      coalescer.push(job.id, job, changed);
    },
  };
}
