/**
 * Folder destination: a local or mounted directory. Each object is copied to a temp name, its MD5
 * computed while copying and compared with the manifest's, fsync'd, then renamed into place — a
 * crash leaves either no file or a whole one. Every path is checked to stay inside the folder after
 * symlinks are resolved: a link planted in the destination cannot send a write, read or delete
 * anywhere else.
 */
import { createReadStream } from 'node:fs';
import { copyFile, link, mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { dirname, join, relative, sep } from 'node:path';
import { PreconditionFailed, StationError, throwIfAborted } from '../util/errors.js';
import { hashFile } from '../util/hash-file.js';
import { assertInside } from '../util/contained-path.js';
import {
  assertSafeKey,
  type Destination,
  type PutRequest,
  type PutResult,
  type PutSourceRequest,
  type RemoteObject,
  type Removal,
  type StoredObject,
  type WriteCondition,
} from './destination.js';
import type { StoreFacts } from '../../common/store-facts.js';

const CHUNK = 8 * 1024 * 1024;

export class FolderDestination implements Destination {
  readonly kind = 'folder' as const;

  constructor(
    readonly name: string,
    private readonly root: string,
  ) {}

  describe(): string {
    return this.root;
  }

  locate(key: string): string {
    return this.pathFor(key);
  }

  private pathFor(key: string): string {
    assertSafeKey(key);
    return join(this.root, ...key.split('/'));
  }

  /** The key's path, proven to stay inside the folder once symlinks are resolved. */
  private async checkedPath(key: string): Promise<string> {
    const path = this.pathFor(key);
    await assertInside(this.root, path, `the folder destination "${this.name}"`);
    return path;
  }

  /** Write chunks to a temp name beside the target, fsync, then rename: whole file or none. */
  private async writeAtomically(
    target: string,
    chunks: AsyncIterable<Buffer>,
    onProgress?: (b: number) => void,
  ): Promise<{ tmp: string; md5: string; written: number; commit(): Promise<void>; discard(): Promise<void> }> {
    await mkdir(this.root, { recursive: true });
    await mkdir(dirname(target), { recursive: true });
    // mkdir follows a symlinked folder: check again now that the parents exist.
    await assertInside(this.root, target, `the folder destination "${this.name}"`);
    const tmp = `${target}.${randomBytes(4).toString('hex')}.partial`;
    const md5 = createHash('md5');
    const out = await open(tmp, 'w');
    let written = 0;
    try {
      for await (const chunk of chunks) {
        md5.update(chunk);
        await out.write(chunk);
        written += chunk.length;
        onProgress?.(written);
      }
      await out.sync();
    } catch (err) {
      await out.close();
      await rm(tmp, { force: true });
      throw err;
    }
    await out.close();
    return {
      tmp,
      md5: md5.digest('hex'),
      written,
      commit: () => rename(tmp, target),
      discard: () => rm(tmp, { force: true }),
    };
  }

  async put(req: PutRequest): Promise<PutResult> {
    throwIfAborted(req.signal);
    const target = await this.checkedPath(req.key);
    const existing = req.existing !== undefined ? (req.existing ?? undefined) : await this.head(req.key);
    if (!req.force && req.md5 && existing && existing.size === req.size && (await hashFile(target)).md5 === req.md5) {
      // Already there: acknowledged, but not by this run.
      req.onProgress?.(req.size, { inFlight: 0, reused: req.size });
      return { skipped: true };
    }
    // The stream is opened when the copy starts reading: made earlier, a cancel during the folder's
    // preparation would make it emit an AbortError nobody listens to yet (an uncaught exception).
    const { localPath, signal } = req;
    const read = async function* (): AsyncIterable<Buffer> {
      yield* createReadStream(localPath, {
        highWaterMark: 1 << 20,
        ...(signal ? { signal } : {}),
      }) as AsyncIterable<Buffer>;
    };
    const w = await this.writeAtomically(target, read(), req.onProgress);
    if ((req.md5 && w.md5 !== req.md5) || w.written !== req.size) {
      await w.discard();
      throw new StationError(
        `${req.localPath} changed since it was verified (expected ${req.size} bytes${req.md5 ? `, MD5 ${req.md5}` : ''}; read ${w.written} bytes, MD5 ${w.md5})`,
        'source-changed',
      );
    }
    await w.commit();
    return { skipped: false };
  }

  async putSource(req: PutSourceRequest): Promise<PutResult & { etag?: string; size: number }> {
    throwIfAborted(req.signal);
    const { size } = await req.source.identity();
    const source = req.source;
    const signal = req.signal;
    const chunks = async function* (): AsyncIterable<Buffer> {
      for (let offset = 0; offset < size; offset += CHUNK) {
        throwIfAborted(signal);
        yield await source.read(offset, Math.min(CHUNK, size - offset));
      }
    };
    const w = await this.writeAtomically(await this.checkedPath(req.key), chunks(), req.onProgress);
    await w.commit();
    return { skipped: false, etag: w.md5, size };
  }

  async head(key: string): Promise<RemoteObject | undefined> {
    try {
      const st = await stat(await this.checkedPath(key));
      return st.isFile() ? { key, size: st.size } : undefined;
    } catch {
      return undefined;
    }
  }

  async *list(prefix: string): AsyncIterable<RemoteObject> {
    const base = prefix ? this.pathFor(prefix.replace(/\/+$/, '')) : this.root;
    await assertInside(this.root, base, `the folder destination "${this.name}"`);
    const walk = async function* (dir: string, root: string): AsyncIterable<RemoteObject> {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory()) yield* walk(full, root);
        else if (e.isFile() && !e.name.endsWith('.partial')) {
          const st = await stat(full);
          yield { key: relative(root, full).split(sep).join('/'), size: st.size, lastModified: st.mtime.toISOString() };
        }
      }
    };
    yield* walk(base, this.root);
  }

  async read(key: string): Promise<Uint8Array> {
    return readFile(await this.checkedPath(key));
  }

  async readRange(key: string, start: number, end: number): Promise<Buffer> {
    const fh = await open(await this.checkedPath(key), 'r');
    try {
      const out = Buffer.alloc(end - start);
      const { bytesRead } = await fh.read(out, 0, out.length, start);
      if (bytesRead !== out.length)
        throw new StationError(`${this.locate(key)} is shorter than ${end} bytes`, 'short-read');
      return out;
    } finally {
      await fh.close();
    }
  }

  async downloadTo(key: string, localPath: string): Promise<void> {
    const partial = `${localPath}.downloading`;
    await copyFile(await this.checkedPath(key), partial);
    await rename(partial, localPath);
  }

  async *listPrefixes(prefix: string): AsyncIterable<string> {
    const base = prefix ? this.pathFor(prefix.replace(/\/+$/, '')) : this.root;
    await assertInside(this.root, base, `the folder destination "${this.name}"`);
    const entries = await readdir(base, { withFileTypes: true }).catch(() => []);
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) if (e.isDirectory()) yield e.name;
  }

  async getObject(key: string): Promise<StoredObject | undefined> {
    try {
      const body = await readFile(await this.checkedPath(key));
      return { body, etag: createHash('md5').update(body).digest('hex') };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /**
   * ifAbsent: the temp file is hard-linked to the key, which fails if anything is there (atomic);
   * ifEtag: compared, then renamed (atomic within one station, whose claims run one at a time).
   */
  async writeObject(
    key: string,
    body: Buffer,
    opts: WriteCondition & { signal?: AbortSignal } = {},
  ): Promise<{ etag?: string }> {
    throwIfAborted(opts.signal);
    const target = await this.checkedPath(key);
    const w = await this.writeAtomically(
      target,
      (async function* () {
        yield body;
      })(),
    );
    try {
      if (opts.ifAbsent) {
        await link(w.tmp, target).catch((err: NodeJS.ErrnoException) => {
          throw err.code === 'EEXIST' ? new PreconditionFailed(`${this.name}:${key}`) : err;
        });
        return { etag: w.md5 };
      }
      if (opts.ifEtag !== undefined) {
        const now = await this.getObject(key);
        if (now?.etag !== opts.ifEtag) throw new PreconditionFailed(`${this.name}:${key}`);
      }
      await w.commit();
      return { etag: w.md5 };
    } finally {
      await w.discard();
    }
  }

  async delete(key: string): Promise<Removal> {
    // rm of a symlink removes the link, never what it points to; the check keeps parents inside.
    await rm(await this.checkedPath(key), { force: true });
    return { key, outcome: 'deleted' };
  }

  /** A folder creates by hard link (atomic) and compares before a rename; it keeps no versions. */
  async facts(): Promise<StoreFacts> {
    return { at: new Date().toISOString(), createOnly: true, compareAndSwap: true, versioned: false, findings: [] };
  }

  async expectedEtag(): Promise<string | undefined> {
    return undefined;
  }

  close(): void {}
}
