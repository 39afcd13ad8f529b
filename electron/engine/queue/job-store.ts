/**
 * Durable job records: an append-only JSON-lines journal, fsync'd after every append, so a kill -9
 * at any instant loses at most the record being written. Only stage transitions are journalled,
 * not progress ticks. On open every record is checked (util/durable-log.ts: a torn last line is cut
 * and said; a record that cannot be read stops the open with the file and line named — a job is
 * never dropped silently) and the journal is compacted to one line per job (written atomically).
 * A station holds the journal's lock while it is open (util/work-lock.ts).
 */
import { z } from 'zod';
import { DurableLog, readJournal, type RepairListener } from '../util/durable-log.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { acquireLock, type HeldLock } from '../util/work-lock.js';

const anyRecord = z.looseObject({ id: z.string() });

export interface JobStoreOptions {
  /** What every record must hold (the queue's: queue/job-record.ts). */
  schema?: z.ZodType;
  /** Told when a torn last line was cut (and when a dead process's lock was taken over). */
  onRepair?: RepairListener;
  /**
   * Hold `<journal>.lock` while open, so a second process on the same journal stops with a
   * sentence instead of running the same jobs; `what` names it ("work folder …").
   */
  lock?: { what: string };
}

export class JobStore<T extends { id: string }> {
  private readonly log: DurableLog;
  private held: HeldLock | undefined;

  constructor(
    private readonly path: string,
    private readonly opts: JobStoreOptions = {},
  ) {
    this.log = new DurableLog(path);
  }

  /** Lock (when asked), read every job's last record, compact the journal and open it for appending. */
  async open(): Promise<T[]> {
    if (this.opts.lock)
      this.held = await acquireLock(`${this.path}.lock`, this.opts.lock.what, this.opts.onRepair ?? console.warn);
    try {
      return await this.load();
    } catch (err) {
      await this.held?.release();
      this.held = undefined;
      throw err;
    }
  }

  private async load(): Promise<T[]> {
    const latest = new Map<string, T>();
    for (const rec of await readJournal(this.path, this.opts.schema ?? anyRecord, { onRepair: this.opts.onRepair }))
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

  async close(): Promise<void> {
    await this.log.close();
    await this.held?.release();
    this.held = undefined;
  }
}
