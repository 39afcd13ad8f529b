/**
 * The object versions this station wrote to a versioned bucket, one JSON line per write
 * (`<workDir>/versions/<destination>.jsonl`: `{"k": key, "v": versionId}`). With
 * `noncurrentVersions: "delete-own"` a removal deletes exactly the versions named here — a
 * version the station did not write (another tool's, or one written with a stolen key) is never
 * deleted, because nothing but this ledger says which versions are the station's.
 *
 * Appends are batched and not fsync'd: a line lost in a crash only means that version is left to
 * the bucket's lifecycle rules, the safe side. A farm's workers share the file (shared work
 * folder): a key not found is looked up again after the file grew.
 */
import { appendFile, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export class VersionLedger {
  private known?: Map<string, Set<string>>;
  private loadedBytes = 0;
  private pending: string[] = [];
  private flushing: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  record(key: string, versionId: string | undefined): void {
    if (!versionId || versionId === 'null') return;
    this.pending.push(JSON.stringify({ k: key, v: versionId }));
    this.remember(key, versionId);
    if (this.pending.length === 1) this.flushing = this.flushing.then(() => this.flush());
  }

  /** Whether this station wrote that version of that key. */
  async wrote(key: string, versionId: string): Promise<boolean> {
    await this.flushing;
    if (!this.known || !this.known.get(key)?.has(versionId)) await this.load();
    return this.known!.get(key)?.has(versionId) ?? false;
  }

  async close(): Promise<void> {
    await this.flushing;
  }

  private remember(key: string, versionId: string): void {
    if (!this.known) return; // loaded on first look-up, with this line in it
    let set = this.known.get(key);
    if (!set) this.known.set(key, (set = new Set()));
    set.add(versionId);
  }

  private async flush(): Promise<void> {
    const lines = this.pending.splice(0);
    if (lines.length === 0) return;
    await mkdir(dirname(this.path), { recursive: true });
    await appendFile(this.path, lines.join('\n') + '\n');
  }

  private async load(): Promise<void> {
    const size = await stat(this.path).then(
      (s) => s.size,
      () => 0,
    );
    if (this.known && size === this.loadedBytes) return;
    const known = new Map<string, Set<string>>();
    const text = size > 0 ? await readFile(this.path, 'utf8') : '';
    for (const line of text.split('\n')) {
      try {
        const { k, v } = JSON.parse(line) as { k?: unknown; v?: unknown };
        if (typeof k !== 'string' || typeof v !== 'string') continue;
        let set = known.get(k);
        if (!set) known.set(k, (set = new Set()));
        set.add(v);
      } catch {
        /* a torn last line: that version stays with the lifecycle rules */
      }
    }
    this.known = known;
    this.loadedBytes = Buffer.byteLength(text);
  }
}
