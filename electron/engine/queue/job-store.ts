/**
 * Durable job records: an append-only JSON-lines journal, fsync'd after every append, so a kill -9
 * at any instant loses at most the record being written (a torn last line is ignored on load).
 * Only stage transitions are journalled, not progress ticks. On open the journal is compacted to
 * one line per job (written atomically).
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic-write.js';

export class JobStore<T extends { id: string }> {
  private fh: FileHandle | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  /** Read every job's last record, compact the journal and open it for appending. */
  async open(): Promise<T[]> {
    const latest = new Map<string, T>();
    let text = '';
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const rec = JSON.parse(line) as T;
        if (rec && typeof rec.id === 'string') latest.set(rec.id, rec);
      } catch {
        // A torn line from a crash mid-append: the previous record for that job stands.
      }
    }
    const records = [...latest.values()];
    await writeFileAtomic(this.path, records.map((r) => JSON.stringify(r) + '\n').join(''));
    this.fh = await open(this.path, 'a');
    return records;
  }

  /** Append one record durably. Appends are serialised so lines never interleave. */
  save(record: T): Promise<void> {
    const line = JSON.stringify(record) + '\n';
    this.chain = this.chain.then(async () => {
      if (!this.fh) throw new Error('JobStore is not open');
      await this.fh.write(line);
      await this.fh.sync();
    });
    return this.chain;
  }

  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
    await this.fh?.close();
    this.fh = undefined;
  }
}
