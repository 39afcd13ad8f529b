/**
 * The per-title chunk journal: one durable JSON-lines file in the job's folder through which the
 * streamed stages hand each other chunks — the encoders publish them, verify proves and (when asked)
 * encrypts them, the uploads record what each destination acknowledged. Every record is fsync'd
 * before anyone acts on it (util/durable-log.ts), so after a kill -9 each stage knows exactly where
 * it stands: the encode resumes after its last published set, verify re-checks nothing it proved,
 * the origin is sent nothing it acknowledged. Within the process, stages wait on `changed()`.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { PackageProblem } from '../../common/manifest.js';
import { DurableLog, readJournal, type RepairListener } from '../util/durable-log.js';

/** A chunk file the encoders put in the package: where it lies on the timeline. */
export interface PublishedChunk {
  /** Rendition folder: "720p", "audio/aac-fr", "subs/en". */
  r: string;
  /** Segment index (also its sequence number − 1). */
  i: number;
  /** Package-relative path. */
  path: string;
  size: number;
  /** Presentation start and end on the master's timeline, seconds (0 = the first frame). */
  start: number;
  end: number;
  /** fMP4: decode time of the first sample and the fragment's duration, track timescale units. */
  tfdt?: number;
  duration?: number;
  timescale?: number;
  /** fMP4: samples (frames) the fragment lists, and where its first sample's data ends (I-frame range). */
  samples?: number;
  firstSampleEnd?: number;
}

/** What verify proved of a chunk, and what the origin will hold (encrypted bytes when encrypting). */
export interface VerifiedChunk {
  path: string;
  r: string;
  i: number;
  size: number;
  md5: string;
  sha256: string;
  /** The chunk before encryption (what verify decoded). */
  clear?: { size: number; sha256: string };
  keyId?: string;
  iv?: string;
  frames?: number;
}

export interface InitRecord {
  r: string;
  path: string;
  size: number;
  md5: string;
  sha256: string;
  codec: string;
  timescale: number;
  /** Presentation offset of the first sample (composition − decode), seconds: the cue clock's zero. */
  presentationOffset?: number;
}

export type ChunkRecord =
  | ({ t: 'init' } & InitRecord)
  | { t: 'published'; set: number; chunks: PublishedChunk[] }
  | { t: 'unpublished'; set: number; why: string }
  | { t: 'encoded'; sets: number }
  | { t: 'video-reset'; why: string }
  /** `videoOffset`: the video clock the fMP4 audio was moved onto (its first frame's presentation, s). */
  | { t: 'audio'; chunks: PublishedChunk[]; videoOffset?: number }
  | { t: 'subs'; chunks: PublishedChunk[] }
  | ({ t: 'verified' } & VerifiedChunk)
  | { t: 'rejected'; set: number; problem: PackageProblem }
  | { t: 'sent'; d: string; path: string; md5: string }
  | { t: 'packaged'; manifestSha256: string };

const num = z.number();
const chunk = z.looseObject({ r: z.string(), i: z.number().int(), path: z.string(), size: num, start: num, end: num });
const chunks = z.array(chunk);
/** What each record must hold before `apply` acts on it (a damaged line is named, never a TypeError). */
const chunkRecordSchema = z.discriminatedUnion('t', [
  z.looseObject({
    t: z.literal('init'),
    r: z.string(),
    path: z.string(),
    size: num,
    codec: z.string(),
    timescale: num,
  }),
  z.looseObject({ t: z.literal('published'), set: z.number().int(), chunks }),
  z.looseObject({ t: z.literal('unpublished'), set: z.number().int(), why: z.string() }),
  z.looseObject({ t: z.literal('encoded'), sets: z.number().int() }),
  z.looseObject({ t: z.literal('video-reset'), why: z.string() }),
  z.looseObject({ t: z.literal('audio'), chunks }),
  z.looseObject({ t: z.literal('subs'), chunks }),
  z.looseObject({ t: z.literal('verified'), path: z.string(), r: z.string(), size: num, md5: z.string() }),
  z.looseObject({ t: z.literal('rejected'), set: z.number().int(), problem: z.looseObject({ file: z.string() }) }),
  z.looseObject({ t: z.literal('sent'), d: z.string(), path: z.string(), md5: z.string() }),
  z.looseObject({ t: z.literal('packaged'), manifestSha256: z.string() }),
]);

export class ChunkJournal {
  private readonly log: DurableLog;
  private waiters: Array<() => void> = [];
  readonly inits = new Map<string, InitRecord>();
  /** Published video sets by index (one chunk per rung). */
  readonly sets = new Map<number, PublishedChunk[]>();
  /** Video sets in all, once the video encode has finished. */
  encodedSets: number | undefined;
  audio: PublishedChunk[] | undefined;
  audioVideoOffset: number | undefined;
  subs: PublishedChunk[] | undefined;
  readonly verified = new Map<string, VerifiedChunk>();
  /** Per destination: path → MD5 of the bytes it acknowledged. */
  readonly sent = new Map<string, Map<string, string>>();
  readonly rejected: Array<{ set: number; problem: PackageProblem }> = [];
  /** Set when verify has written the playlists and the manifest: the package is whole. */
  packaged: string | undefined;
  /**
   * Every chunk as it was published and every verdict as it was given, in order, never shortened:
   * a consumer keeps its place in them (10,000 sets must not be rescanned at every append). An
   * entry a reset took back stays; `isPublished` / `isVerified` tell whether it still stands.
   */
  readonly publishedLog: PublishedChunk[] = [];
  readonly verifiedLog: VerifiedChunk[] = [];
  private publishedNow = 0;

  private constructor(readonly path: string) {
    this.log = new DurableLog(path);
  }

  /** Read the journal back (a torn last line cut, a damaged one named: util/durable-log.ts) and open it for appending. */
  static async open(path: string, onRepair?: RepairListener): Promise<ChunkJournal> {
    const j = new ChunkJournal(path);
    await mkdir(dirname(path), { recursive: true });
    for (const rec of await readJournal(path, chunkRecordSchema, { onRepair })) j.apply(rec as ChunkRecord);
    await j.log.open('a');
    return j;
  }

  private apply(rec: ChunkRecord): void {
    switch (rec.t) {
      case 'init': {
        const { t: _t, ...init } = rec;
        this.inits.set(rec.r, init);
        break;
      }
      case 'published':
        this.publishedNow += rec.chunks.length - (this.sets.get(rec.set)?.length ?? 0);
        this.sets.set(rec.set, rec.chunks);
        this.publishedLog.push(...rec.chunks);
        break;
      case 'unpublished':
        for (const c of this.sets.get(rec.set) ?? []) this.verified.delete(c.path);
        this.publishedNow -= this.sets.get(rec.set)?.length ?? 0;
        this.sets.delete(rec.set);
        break;
      case 'encoded':
        this.encodedSets = rec.sets;
        break;
      case 'video-reset':
        for (const chunks of this.sets.values()) for (const c of chunks) this.verified.delete(c.path);
        for (const chunks of this.sets.values()) this.publishedNow -= chunks.length;
        this.sets.clear();
        this.encodedSets = undefined;
        for (const r of [...this.inits.keys()]) if (!r.startsWith('audio/')) this.inits.delete(r);
        break;
      case 'audio':
        // Published again (moved onto a new video clock): the old verdicts no longer stand.
        for (const c of this.audio ?? []) this.verified.delete(c.path);
        this.publishedNow += rec.chunks.length - (this.audio?.length ?? 0);
        this.audio = rec.chunks;
        this.audioVideoOffset = rec.videoOffset;
        this.publishedLog.push(...rec.chunks);
        break;
      case 'subs':
        this.publishedNow += rec.chunks.length - (this.subs?.length ?? 0);
        this.subs = rec.chunks;
        this.publishedLog.push(...rec.chunks);
        break;
      case 'verified': {
        const { t: _t, ...v } = rec;
        this.verified.set(rec.path, v);
        this.verifiedLog.push(v);
        break;
      }
      case 'rejected':
        this.rejected.push({ set: rec.set, problem: rec.problem });
        break;
      case 'packaged':
        this.packaged = rec.manifestSha256;
        break;
      case 'sent': {
        const d = this.sent.get(rec.d) ?? new Map<string, string>();
        d.set(rec.path, rec.md5);
        this.sent.set(rec.d, d);
        break;
      }
    }
  }

  /**
   * Append durably, update the state, wake every waiter. `whenDurable` runs after the record is on
   * disk and before anyone learns of it (verify swaps an encrypted chunk in there: the uploads must
   * never see the record before the bytes it describes).
   */
  async append(rec: ChunkRecord, whenDurable?: () => Promise<void>): Promise<void> {
    await this.log.append(rec);
    await whenDurable?.();
    this.apply(rec);
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }

  private swapsDone = false;

  /**
   * Whether the chunks recorded as verified hold the bytes their records name: a kill between a
   * verified record and verify's swap of the encrypted bytes (chunk-verify.ts) leaves a chunk clear
   * on disk until verify's next start finishes the swap — for a DRM title only after its keys are
   * fetched again. The uploads wait for this before they read a chunk; a packaged journal has none.
   */
  get swapsSettled(): boolean {
    return this.swapsDone || this.packaged !== undefined;
  }

  /** Verify has finished the swaps a crash left (restoreEncryption): wake the uploads. */
  settleSwaps(): void {
    this.swapsDone = true;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }

  /** Wait until `ready()` holds (checked now and after every append). */
  async until(ready: () => boolean, signal?: AbortSignal): Promise<void> {
    while (!ready()) await this.changed(signal);
  }

  /** Resolves at the next append (or rejects when the signal aborts). */
  changed(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = (): void => reject(signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  /** The chunk is (still) part of the package: no reset or rejection took it back. */
  isPublished(c: PublishedChunk): boolean {
    const list = c.r.startsWith('audio/') ? this.audio : c.r.startsWith('subs/') ? this.subs : this.sets.get(c.i);
    return list?.includes(c) ?? false;
  }

  /** The verdict still stands for the chunk published now at its path. */
  isVerified(v: VerifiedChunk): boolean {
    return this.verified.get(v.path) === v;
  }

  /** Chunks published now (without building the list). */
  publishedCount(): number {
    return this.publishedNow;
  }

  /** Every chunk published so far: video sets in order, then audio, then subtitles. */
  published(): PublishedChunk[] {
    const video = [...this.sets.entries()].sort((a, b) => a[0] - b[0]).flatMap(([, c]) => c);
    return [...video, ...(this.audio ?? []), ...(this.subs ?? [])];
  }

  /** The video encode, the audio pass and the captions have all published everything. */
  complete(expect: { audio: boolean; subs: boolean }): boolean {
    return (
      this.encodedSets !== undefined &&
      this.sets.size === this.encodedSets &&
      (!expect.audio || this.audio !== undefined) &&
      (!expect.subs || this.subs !== undefined)
    );
  }

  close(): Promise<void> {
    return this.log.close();
  }
}

/** One journal per job within the process: the stages of a title share it. */
export class ChunkJournals {
  private readonly open = new Map<string, Promise<ChunkJournal>>();

  constructor(private readonly onRepair?: RepairListener) {}

  get(jobId: string, path: string): Promise<ChunkJournal> {
    let j = this.open.get(jobId);
    if (!j) {
      j = ChunkJournal.open(path, this.onRepair);
      this.open.set(jobId, j);
      // A journal that cannot be read is tried again next time (after the operator repaired it).
      j.catch(() => this.open.get(jobId) === j && this.open.delete(jobId));
    }
    return j;
  }

  async release(jobId: string): Promise<void> {
    const j = this.open.get(jobId);
    this.open.delete(jobId);
    await (await j?.catch(() => undefined))?.close();
  }

  async closeAll(): Promise<void> {
    for (const id of [...this.open.keys()]) await this.release(id);
  }
}
