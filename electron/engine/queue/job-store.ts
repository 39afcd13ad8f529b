/**
 * Durable job records: an append-only JSON-lines journal, fsync'd after every append, so a kill -9
 * at any instant loses at most the record being written (a torn last line is ignored on load).
 * Only stage transitions are journalled, not progress ticks. On open the journal is compacted to
 * one line per job (written atomically).
 */
import { readFile } from 'node:fs/promises';
import { DurableLog } from '../util/durable-log.js';
import { writeFileAtomic } from '../util/atomic-write.js';

export class JobStore<T extends { id: string }> {
  private readonly log: DurableLog;

  constructor(private readonly path: string) {
    this.log = new DurableLog(path);
  }

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
    await this.log.open('a');
    return records;
  }

  /** Append one record durably. Appends are serialised so lines never interleave. */
  save(record: T): Promise<void> {
    return this.log.append(record);
  }

  close(): Promise<void> {
    return this.log.close();
  }
}
