/**
 * Folder destination: a local or mounted directory. Each object is copied to a temp name, its MD5
 * computed while copying and compared with the manifest's, fsync'd, then renamed into place — a
 * crash leaves either no file or a whole one.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { dirname, join, relative, sep } from 'node:path';
import { StationError, throwIfAborted } from '../util/errors.js';
import { hashFile } from '../util/hash-file.js';
import { assertSafeKey, type Destination, type PutRequest, type PutResult, type RemoteObject } from './destination.js';

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

  async put(req: PutRequest): Promise<PutResult> {
    throwIfAborted(req.signal);
    const target = this.pathFor(req.key);
    const existing = await this.head(req.key);
    if (existing && existing.size === req.size && (await hashFile(target)).md5 === req.md5) {
      req.onProgress?.(req.size);
      return { skipped: true };
    }
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.${randomBytes(4).toString('hex')}.partial`;
    const md5 = createHash('md5');
    const out = await open(tmp, 'w');
    let written = 0;
    try {
      for await (const chunk of createReadStream(req.localPath, { highWaterMark: 1 << 20, signal: req.signal }) as AsyncIterable<Buffer>) {
        md5.update(chunk);
        await out.write(chunk);
        written += chunk.length;
        req.onProgress?.(written);
      }
      await out.sync();
    } catch (err) {
      await out.close();
      await rm(tmp, { force: true });
      throw err;
    }
    await out.close();
    const digest = md5.digest('hex');
    if (digest !== req.md5 || written !== req.size) {
      await rm(tmp, { force: true });
      throw new StationError(
        `${req.localPath} changed since it was verified (expected ${req.size} bytes, MD5 ${req.md5}; read ${written} bytes, MD5 ${digest})`,
        'source-changed',
      );
    }
    await rename(tmp, target);
    return { skipped: false };
  }

  async head(key: string): Promise<RemoteObject | undefined> {
    try {
      const st = await stat(this.pathFor(key));
      return st.isFile() ? { key, size: st.size } : undefined;
    } catch {
      return undefined;
    }
  }

  async *list(prefix: string): AsyncIterable<RemoteObject> {
    const base = prefix ? this.pathFor(prefix.replace(/\/+$/, '')) : this.root;
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
          yield { key: relative(root, full).split(sep).join('/'), size: (await stat(full)).size };
        }
      }
    };
    yield* walk(base, this.root);
  }

  async read(key: string): Promise<Uint8Array> {
    return readFile(this.pathFor(key));
  }

  close(): void {}
}
