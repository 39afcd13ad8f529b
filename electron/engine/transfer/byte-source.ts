/**
 * What a multipart upload reads from: any byte range on demand, never the whole thing in memory.
 * A resumed upload regenerates exactly the parts it still needs from the source by offset.
 */
import { stat } from 'node:fs/promises';
import { StationError } from '../util/errors.js';
import { fingerprintFile } from '../util/fingerprint.js';
import { openRegularFile } from '../util/regular-file.js';

export interface SourceIdentity {
  size: number;
  mtimeMs: number;
  /** Hash of whatever makes the source recognisable (file head+tail, tar member list). */
  fingerprint: string;
}

export interface ByteSource {
  readonly description: string;
  identity(): Promise<SourceIdentity>;
  /** Exactly `length` bytes from `offset`; throws a 'source-changed' StationError if the source moved under us. */
  read(offset: number, length: number): Promise<Buffer>;
  /** The same into `target` (all of it, from `offset`): lets an upload reuse its part buffers. */
  readInto?(target: Buffer, offset: number): Promise<Buffer>;
}

export class FileSource implements ByteSource {
  private expected: { size: number; mtimeMs: number } | undefined;

  constructor(readonly path: string) {}

  get description(): string {
    return this.path;
  }

  async identity(): Promise<SourceIdentity> {
    const fp = await fingerprintFile(this.path);
    this.expected = { size: fp.size, mtimeMs: fp.mtimeMs };
    return { size: fp.size, mtimeMs: fp.mtimeMs, fingerprint: fp.headTailSha256 ?? '' };
  }

  read(offset: number, length: number): Promise<Buffer> {
    return this.readInto(Buffer.allocUnsafe(length), offset);
  }

  async readInto(buf: Buffer, offset: number): Promise<Buffer> {
    const length = buf.length;
    const fh = await openRegularFile(this.path);
    try {
      const st = await fh.stat();
      if (this.expected && (st.size !== this.expected.size || st.mtimeMs !== this.expected.mtimeMs)) {
        throw new StationError(
          `${this.path} changed while it was being uploaded (size or modification time differs)`,
          'source-changed',
        );
      }
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (bytesRead === 0)
          throw new StationError(`${this.path} is shorter than when the upload started`, 'source-changed');
        got += bytesRead;
      }
      return buf;
    } finally {
      await fh.close();
    }
  }
}

/** Size and mtime of a file, or a clear error when it is gone. */
export async function statSource(path: string): Promise<{ size: number; mtimeMs: number }> {
  try {
    const st = await stat(path);
    return { size: st.size, mtimeMs: st.mtimeMs };
  } catch (err) {
    throw new StationError(`${path} cannot be read: ${(err as Error).message}`, 'source-missing');
  }
}
