import { open, readFile, truncate, type FileHandle } from 'node:fs/promises';
import type { z } from 'zod';
import { describeZodError } from '../../common/config.js';
import { StationError } from './errors.js';

/**
 * A JSON-lines file that is appended to durably: every line is written and fsync'd before the
 * next, in call order (lines never interleave), so a kill -9 loses at most the line in flight.
 * Shared by every journal of the station: the job store, the chunk journals, the multipart part
 * journals, the library audit's log.
 *
 * Reading one back (`readJournal`) keeps the same promise in the other direction: a record was
 * acknowledged only once its whole line, newline included, was on disk, so a last line without
 * its newline (a crash or a full disk mid-write) was never acknowledged — it is cut off before the
 * next append, and said, so the next record cannot be glued onto it and lost with it. Any other
 * line that cannot be read (not JSON, or not a record of this journal) is damage, not a crash: it
 * stops the reader with the file and the line named, and nothing is changed — silently dropping it
 * would lose a job (and orphan its folder) or a part the store holds.
 */
export class DurableLog {
  private fh: FileHandle | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  /** Open for appending ('a') or start the file afresh ('w'). */
  async open(flags: 'a' | 'w'): Promise<void> {
    await this.close();
    this.fh = await open(this.path, flags);
  }

  append(record: unknown): Promise<void> {
    const line = JSON.stringify(record) + '\n';
    this.chain = this.chain.then(async () => {
      if (!this.fh) throw new Error(`${this.path} is not open`);
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

/** Who hears that a journal's torn tail was cut (default: the process's warning output). */
export type RepairListener = (sentence: string) => void;

const warn: RepairListener = (s) => console.warn(`warning: ${s}`);

/**
 * Every record of a journal, oldest first, each checked against `schema` and kept as written (the
 * schema proves what the reader relies on; it never strips or rewrites); [] when there is no file.
 * A torn tail is cut from the file (and `onRepair` told) — by its writer only: `readOnly` readers
 * (the janitor looking at another process's journals) skip it, since it may be a line in flight.
 * An unreadable record anywhere else throws a StationError ('journal-unreadable') naming the file
 * and the line.
 */
export async function readJournal<S extends z.ZodType>(
  path: string,
  schema: S,
  opts: { onRepair?: RepairListener | undefined; readOnly?: boolean } = {},
): Promise<Array<z.output<S>>> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const whole = bytes.lastIndexOf(0x0a) + 1;
  if (whole < bytes.length && !opts.readOnly) {
    await truncate(path, whole);
    const line = bytes.subarray(0, whole).toString('utf8').split('\n').length;
    (opts.onRepair ?? warn)(
      `${path}: its last record (line ${line}, ${bytes.length - whole} bytes) was cut short by a crash or a full disk and was never acknowledged; it was removed so the next record starts on a line of its own — everything before it stands.`,
    );
  }
  const records: Array<z.output<S>> = [];
  const lines = bytes.subarray(0, whole).toString('utf8').split('\n');
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw unreadable(path, i + 1, 'it is not JSON');
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw unreadable(path, i + 1, describeZodError(parsed.error));
    records.push(raw as z.output<S>);
  }
  return records;
}

function unreadable(path: string, line: number, why: string): StationError {
  return new StationError(
    `${path}, line ${line}: this record cannot be read (${why}). The station stops here rather than lose what the record holds; nothing was changed. Repair or remove that line (or restore the file from a backup), then start again.`,
    'journal-unreadable',
  );
}
