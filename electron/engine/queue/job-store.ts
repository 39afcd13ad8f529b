/**
 * Durable job records: an append-only JSON-lines journal, fsync'd after every append, so a kill -9
 * at any instant loses at most the record being written. Only stage transitions are journalled,
 * not progress ticks. On open every record is checked (util/durable-log.ts: a torn last line is cut
 * and said; a record that cannot be read stops the open with the file and line named — a job is
 * never dropped silently) and the journal is compacted to one line per job (written atomically).
 */
import { z } from 'zod';
import { DurableLog, readJournal, type RepairListener } from '../util/durable-log.js';
import { writeFileAtomic } from '../util/atomic-write.js';

const anyRecord = z.looseObject({ id: z.string() });

export class JobStore<T extends { id: string }> {
  private readonly log: DurableLog;

  constructor(
    private readonly path: string,
    /** What every record must hold (the queue's: queue/job-record.ts). */
    private readonly schema: z.ZodType = anyRecord,
    private readonly onRepair?: RepairListener,
  ) {
    this.log = new DurableLog(path);
  }

  /** Read every job's last record, compact the journal and open it for appending. */
  async open(): Promise<T[]> {
    const latest = new Map<string, T>();
    for (const rec of await readJournal(this.path, this.schema, { onRepair: this.onRepair }))
      latest.set((rec as T).id, rec as T);
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
