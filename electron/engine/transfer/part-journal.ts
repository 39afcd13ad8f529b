/**
 * The persisted state of one multipart upload: a JSON-lines file, first line the upload (bucket,
 * key, part size, source identity) written *before* the store is asked to create it, then the
 * upload id the store gave, then one line per part acknowledged by the store ({part, etag, size,
 * md5}), fsync'd after every append. A crash loses at most the part in flight; a torn last line is
 * ignored. A journal that has its header but no upload id was cut between the request and its
 * answer: the store may hold an upload the station started and never recorded (`pending`).
 */
import { mkdir, rm } from 'node:fs/promises';
import { z } from 'zod';
import { DurableLog, readJournal, type RepairListener } from '../util/durable-log.js';
import { dirname } from 'node:path';
import type { SourceIdentity } from './byte-source.js';

export interface UploadHeader {
  version: 1;
  bucket: string;
  key: string;
  /** In the header for journals of earlier versions; now its own line after the store answered. */
  uploadId?: string;
  size: number;
  partSize: number;
  source: SourceIdentity;
  createdAt: string;
  /** The flexible checksum the upload was created with (the store then wants it on every part). */
  checksum?: 'SHA256';
  /** When an earlier run first meant to write this key and was killed before the store answered. */
  intentSince?: string;
}

export interface PartRecord {
  part: number;
  etag: string;
  size: number;
  md5: string;
  /** Base64 SHA-256 of the part, when the upload carries one. */
  sha256?: string;
}

export type LoadedJournal =
  | { state: 'started'; header: UploadHeader; uploadId: string; parts: Map<number, PartRecord> }
  /** Header only: the process died between asking the store for an upload and recording its id. */
  | { state: 'pending'; header: UploadHeader };

/** A line of a part journal: the header (first), the upload id the store gave, or an acknowledged part. */
const partJournalLine = z.union([
  z.looseObject({
    version: z.number(),
    bucket: z.string(),
    key: z.string(),
    size: z.number(),
    partSize: z.number(),
    source: z.looseObject({ size: z.number(), mtimeMs: z.number(), fingerprint: z.string() }),
  }),
  z.looseObject({ uploadId: z.string() }),
  z.looseObject({ part: z.number().int().positive(), etag: z.string(), size: z.number(), md5: z.string() }),
]);

export class PartJournal {
  private readonly log: DurableLog;

  constructor(readonly path: string) {
    this.log = new DurableLog(path);
  }

  /**
   * The upload as the journal left it; undefined when there is none. A torn last line is cut (the
   * next append starts on a line of its own; `readOnly`: left alone, for readers that do not own
   * the journal), a damaged one is named (util/durable-log.ts).
   */
  async load(opts: { onRepair?: RepairListener; readOnly?: boolean } = {}): Promise<LoadedJournal | undefined> {
    const lines = await readJournal(this.path, partJournalLine, opts);
    const [first, ...rest] = lines;
    // A journal of another version of the station (or none): the upload starts afresh.
    if (!first || first.version !== 1) return undefined;
    const header = first as unknown as UploadHeader;
    let uploadId: string | undefined;
    const parts = new Map<number, PartRecord>();
    for (const rec of rest) {
      if (typeof rec.part === 'number') parts.set(rec.part, rec as unknown as PartRecord);
      else if (typeof rec.uploadId === 'string' && rec.version === undefined) uploadId = rec.uploadId;
    }
    const id = header.uploadId || uploadId;
    return id ? { state: 'started', header, uploadId: id, parts } : { state: 'pending', header };
  }

  /** Start a fresh journal with its header (replacing any old one), before the upload is created. */
  async create(header: UploadHeader): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await this.log.open('w');
    await this.log.append(header);
  }

  /** The upload id the store answered with. */
  started(uploadId: string): Promise<void> {
    return this.log.append({ uploadId });
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
