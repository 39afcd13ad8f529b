import { open, type FileHandle } from 'node:fs/promises';

/**
 * A JSON-lines file that is appended to durably: every line is written and fsync'd before the
 * next, in call order (lines never interleave), so a kill -9 loses at most the line in flight.
 * Shared by the job store and the multipart part journals.
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
