/**
 * The library as the audits see it: every title the origin holds (not only this station's jobs),
 * when each was last proven whole, what is wrong, what was repaired. Shared by the engine, the CLI
 * and the library view.
 */
import type { AuditProblem, RestoreState } from './manifest.js';

export interface LibraryTitle {
  titleId: string;
  /** The live version audited. */
  version?: string;
  lastAudit: string;
  /** The last audit that found nothing wrong (carried forward while problems stand). */
  lastProvenWhole?: string;
  /** What the last audit found (after its repair, if it repaired). */
  problems: AuditProblem[];
  /** Objects repaired over all audits. */
  repairs: number;
  /** The repair waits on this restore of the archive copy. */
  restore?: RestoreState;
  /** The archived tar was gone: the title is being transcoded again from its archived master. */
  rebuild?: { jobId: string; detail: string };
  /** Chunks (segments) the title has. */
  chunks?: number;
  /** Chunks hashed through the viewers' door, over all runs. */
  viewersChecked?: number;
  /** Keys the last repair put back (the chunk map marks them). */
  repairedKeys?: string[];
}

export interface LibraryRun {
  id: string;
  /** 1 for the first run of this station's library log, and so on (rotates the viewers' sample). */
  number: number;
  startedAt: string;
  endedAt?: string;
  /** Titles found at the origin, audited, and with problems left after repair. */
  titles: number;
  audited: number;
  withProblems: number;
  /** Requests made, by the class stores bill them in (A writes, B reads, C listings). */
  requests: { A: number; B: number; C: number };
  /** At Backblaze B2's list prices (USD). */
  costUsd: number;
  seconds: number;
  /** Of the sampled viewers' check: chunks hashed this run and how many runs cover every chunk. */
  viewers?: { chunks: number; chunksTotal: number; runsToCoverAll: number };
}

/** What the library view shows: every title, the last run, a run in progress. */
export interface LibraryView {
  titles: LibraryTitle[];
  last?: LibraryRun;
  running?: { startedAt: string; done: number; total: number };
  /** When the next scheduled run is due (absent: on demand only). */
  nextDue?: string;
}

/**
 * A chunk's state, from what the station knows: verified into the manifest, acknowledged at the
 * origin, proven there by the last audit, found wrong by it, or put back by its repair.
 */
export const CHUNK_STATES = ['verified', 'origin', 'proven', 'problem', 'repaired'] as const;
export type ChunkState = (typeof CHUNK_STATES)[number];

/** Every chunk of a title a cell: one row per rendition, one column per segment in time order. */
export interface ChunkMap {
  titleId: string;
  version?: string;
  rows: Array<{ rendition: string; cells: Array<{ path: string; state: ChunkState; detail?: string }> }>;
  counts: Record<ChunkState, number>;
  /** When the states were last established (the audit's time), if an audit ran. */
  at?: string;
}
