/**
 * Watch folders: media files that appear under a folder are ingested once they have *arrived* —
 * their size and modification time unchanged for `stableMs` — so a master still being copied in by
 * a transfer tool never starts early. Polling, not fs.watch: watch events are unreliable on the
 * network mounts suppliers deliver to. Files are only stat'ed.
 */
import { stat } from 'node:fs/promises';
import { expandSources } from './intake.js';
import type { TitleRequest } from '../common/jobs.js';

export interface WatchFolderOptions {
  path: string;
  /** How long size and mtime must stay unchanged before a file counts as arrived. */
  stableMs: number;
  pollMs?: number;
  /** A master that stopped growing, with what a titles.csv beside it asks for its title. */
  onArrived: (path: string, request?: TitleRequest) => Promise<unknown> | void;
  onError?: (err: unknown) => void;
}

export class WatchFolder {
  private readonly seen = new Map<string, { size: number; mtimeMs: number; since: number }>();
  private readonly delivered = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(private readonly opts: WatchFolderOptions) {}

  start(): this {
    this.stopped = false;
    void this.tick();
    return this;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async tick(): Promise<void> {
    try {
      await this.scan(Date.now());
    } catch (err) {
      this.opts.onError?.(err);
    }
    if (!this.stopped)
      this.timer = setTimeout(
        () => void this.tick(),
        this.opts.pollMs ?? Math.min(2000, Math.max(100, this.opts.stableMs / 4)),
      );
  }

  /** One pass: note sizes, deliver what has been still long enough. */
  async scan(now: number): Promise<void> {
    const { files, requests } = await expandSources([this.opts.path]);
    for (const file of files) {
      let st;
      try {
        st = await stat(file);
      } catch {
        this.seen.delete(file);
        continue;
      }
      const key = `${file}\0${st.size}\0${st.mtimeMs}`;
      const prev = this.seen.get(file);
      if (!prev || prev.size !== st.size || prev.mtimeMs !== st.mtimeMs) {
        this.seen.set(file, { size: st.size, mtimeMs: st.mtimeMs, since: now });
        continue;
      }
      if (now - prev.since >= this.opts.stableMs && st.size > 0 && !this.delivered.has(key)) {
        this.delivered.add(key);
        await this.opts.onArrived(file, requests[file]);
      }
    }
  }
}
