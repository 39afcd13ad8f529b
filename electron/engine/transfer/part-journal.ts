/**
 * The persisted state of one multipart upload: a JSON-lines file, first line the upload (bucket,
 * key, uploadId, part size, source identity), then one line per part acknowledged by the store
 * ({part, etag, size, md5}), fsync'd after every append. A crash loses at most the part in flight;
 * a torn last line is ignored.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { DurableLog } from '../util/durable-log.js';
import { dirname } from 'node:path';
import type { SourceIdentity } from './byte-source.js';

export interface UploadHeader {
  version: 1;
  bucket: string;
  key: string;
  uploadId: string;
  size: number;
  partSize: number;
  source: SourceIdentity;
  createdAt: string;
  /** The flexible checksum the upload was created with (the store then wants it on every part). */
  checksum?: 'SHA256';
}

export interface PartRecord {
  part: number;
  etag: string;
  size: number;
  md5: string;
  /** Base64 SHA-256 of the part, when the upload carries one. */
  sha256?: string;
}

export class PartJournal {
  private readonly log: DurableLog;

  constructor(readonly path: string) {
    this.log = new DurableLog(path);
  }

  async load(): Promise<{ header: UploadHeader; parts: Map<number, PartRecord> } | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      return undefined;
    }
    const lines = text.split('\n').filter((l) => l.trim());
    let header: UploadHeader | undefined;
    const parts = new Map<number, PartRecord>();
    for (const [i, line] of lines.entries()) {
      let rec: unknown;
      try {
        rec = JSON.parse(line);
      } catch {
        continue; // torn line from a crash mid-append
      }
      if (i === 0) header = rec as UploadHeader;
      else {
        const p = rec as PartRecord;
        if (Number.isInteger(p.part) && typeof p.etag === 'string') parts.set(p.part, p);
      }
    }
    return header?.version === 1 && header.uploadId ? { header, parts } : undefined;
  }

  /** Start a fresh journal with its header (replacing any old one). */
  async create(header: UploadHeader): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await this.log.open('w');
    await this.log.append(header);
  }

  /** Reopen an existing journal for appending. */
  reopen(): Promise<void> {
    return this.log.open('a');
  }

  append(part: PartRecord): Promise<void> {
    return this.log.append(part);
  }

  close(): Promise<void> {
    return this.log.close();
  }

  async remove(): Promise<void> {
    await this.log.close();
    await rm(this.path, { force: true });
  }
}
