/**
 * A station at scale without transcoding anything: a day of titles in every state (the queue's
 * records, written through the engine's own JobStore) and a library of audited titles (the library
 * audit's log, written in the LibraryStore's own format). Deterministic: the same n gives the same
 * titles, so screenshots and benchmarks compare run to run. Used by the browser tests (seeded into a
 * real engine's work folder) and the UI benchmark (served by a scripted engine).
 */
import { join } from 'node:path';
import { emptyStages, STAGES, type JobSnapshot, type StageName } from '../../electron/common/jobs';
import type { LibraryRun, LibraryTitle } from '../../electron/common/library';
import { MANIFEST_SCHEMA_VERSION, type Manifest } from '../../electron/common/manifest';
import { writeLibraryLog } from '../../electron/engine/audit/library-store';
import type { JobRecord } from '../../electron/engine/queue/job-queue';
import { JobStore } from '../../electron/engine/queue/job-store';

const SUPPLIERS = [
  'Northlight Pictures',
  'Arte Distribution',
  'Studio Kite',
  'Blue Harbor Films',
  'Cinémathèque Sud',
  'Tokyo Reels',
];
const FIRST = [
  'The Silent',
  'Midnight in',
  'A Winter',
  'Last Train to',
  'The Glass',
  'Summer of',
  'Letters from',
  'The Red',
  'Under the',
  'Return to',
  'Night Over',
  'The Long',
];
const SECOND = [
  'Harbor',
  'Lisbon',
  'Garden',
  'Kyoto',
  'Orchard',
  'Marseille',
  'Island',
  'Desert',
  'Lighthouse',
  'Valley',
  'Canal',
  'Road',
];

/** Reasons a day's failures carry, with the codes the engine gives them. */
const FAILURES: Array<{ stage: StageName; code: string; message: string }> = [
  {
    stage: 'probe',
    code: 'not-media',
    message: 'Not a media file ffprobe can read: Invalid data found when processing input',
  },
  {
    stage: 'claim',
    code: 'title-conflict',
    message:
      '"tt0046438" at origin is live with Tokyo Story.mov (1.2 GB, delivered 2026-11-02); this title\'s master is Tokyo Story (restored).mov',
  },
  {
    stage: 'uploadOrigin',
    code: 's3-AccessDenied',
    message:
      'Upload of film/v1/720p/seg_00012.m4s to origin failed: AccessDenied (HTTP 403): the credentials are not allowed to do this — check the key’s permissions on the bucket',
  },
  {
    stage: 'transcode',
    code: 'ffmpeg-failed',
    message: 'ffmpeg failed: [h264] error while decoding MB 54 31, bytestream -7',
  },
  {
    stage: 'transcode',
    code: 'disk-full',
    message:
      'Not enough disk space for the package: it needs about 41.2 GB; 12.0 GB is free on /scratch/ingest-work. Free some space or move the work folder (workDir).',
  },
  {
    stage: 'probe',
    code: 'no-audio',
    message: 'Audio is missing: the delivery spec requires at least one audio stream.',
  },
];

export interface DayOptions {
  now?: number;
  /** Titles running now (only for a scripted engine: a real one would run them). */
  running?: number;
  /** How waiting titles wait: 'queued' (a scripted engine) or 'paused' (a real engine must not start them). */
  waiting?: 'queued' | 'paused';
}

const pick = <T>(xs: T[], i: number): T => xs[i % xs.length]!;
const titleOf = (i: number): string =>
  `${pick(FIRST, i)} ${pick(SECOND, Math.floor(i / FIRST.length) + i)}${i >= 144 ? ` (${1950 + (i % 60)})` : ''}`;

function stagesUpTo(last: number, state: 'done' | 'running' = 'done'): JobSnapshot['stages'] {
  const stages = emptyStages();
  STAGES.forEach((s, k) => {
    if (k < last) stages[s] = { state: 'done', fraction: 1 };
    else if (k === last && state === 'running') stages[s] = { state: 'running', fraction: 0 };
  });
  return stages;
}

/** Where a running title stands at a moment (t 0…1 through its run): the encode, verify and uploads overlapping. */
export function runningStages(t: number): { stage: StageName; stages: JobSnapshot['stages'] } {
  const stages = stagesUpTo(3);
  const f = Math.min(0.999, t);
  stages.transcode = {
    state: 'running',
    fraction: f,
    detail: `${(2 + f).toFixed(1)}× realtime`,
    etaSeconds: Math.round((1 - f) * 900),
  };
  stages.verify = { state: 'running', fraction: f * 0.95, detail: `${Math.floor(f * 950)} / 1000 segments checked` };
  stages.uploadOrigin = {
    state: 'running',
    fraction: f * 0.9,
    detail: `${(38 + 9 * f).toFixed(1)} MB/s · ${Math.round(f * 4200)} MB of 4.7 GB acknowledged`,
    etaSeconds: Math.round((1 - f) * 1100),
  };
  stages.uploadArchive = { state: 'running', fraction: f, detail: `${Math.round(f * 52)} GB of 52 GB acknowledged` };
  return { stage: 'transcode', stages };
}

/** One day's titles (n of them), newest first by index, in every state. */
export function dayOfTitles(n: number, opts: DayOptions = {}): JobRecord[] {
  const now = opts.now ?? Date.now();
  const running = opts.running ?? 0;
  const start = now - 9 * 3_600_000;
  return Array.from({ length: n }, (_v, i): JobRecord => {
    const supplier = pick(SUPPLIERS, Math.floor(i / 25));
    const at = new Date(start + ((n - i) / n) * 9 * 3_600_000).toISOString();
    const size = 2_000_000_000 + ((i * 7_919_000_003) % 90_000_000_000);
    const base: JobRecord = {
      id: `jday${String(i).padStart(4, '0')}`,
      title: titleOf(i),
      sourcePath: `/Volumes/Masters/${supplier}/Delivery ${1 + (Math.floor(i / 25) % 4)}/${titleOf(i)}.mov`,
      batch: `bday${Math.floor(i / 25)}`,
      fingerprint: `${size}:${i.toString(16).padStart(64, '0')}`,
      state: 'done',
      stage: 'report',
      stages: stagesUpTo(STAGES.length),
      createdAt: at,
      updatedAt: at,
      priority: i,
      uploads: [],
      warnings: [],
      ...(i % 9 === 0 ? { titleRequest: { titleId: `tt${String(4_000_000 + i * 37).padStart(7, '0')}` } } : {}),
    };
    if (i < running) return { ...base, state: 'running', ...runningStages(((i * 37) % 100) / 100) };
    if (i % 17 === 5) {
      const f = pick(FAILURES, Math.floor(i / 17));
      const k = STAGES.indexOf(f.stage);
      return {
        ...base,
        state: 'failed',
        stage: f.stage,
        stages: { ...stagesUpTo(k), [f.stage]: { state: 'failed', fraction: 0 } },
        error: { stage: f.stage, code: f.code, message: f.message },
      };
    }
    if (i % 23 === 7)
      return {
        ...base,
        state: 'cancelled',
        stage: 'transcode',
        stages: stagesUpTo(3),
        error: { stage: 'transcode', message: 'Cancelled by the operator' },
      };
    if (i >= running && i < running + 40) {
      const held = i % 3 === 0;
      const stages = emptyStages();
      if (held) stages.probe = { state: 'pending', fraction: 0, detail: 'held: set its title ID, then Resume' };
      return { ...base, state: held ? 'paused' : (opts.waiting ?? 'paused'), stage: 'probe', stages };
    }
    const titleId =
      base.titleRequest?.titleId ??
      base.title
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '');
    return {
      ...base,
      claim: {
        titleId,
        version: `v20261201T${String(i).padStart(6, '0')}Z-a1b2`,
        destinations: { origin: { mode: 'new' } },
      },
      verified: {
        fileCount: 1200 + i,
        totalBytes: Math.round(size / 12),
        segmentsChecked: 1100 + i,
        manifestSha256: 'ab'.repeat(32),
      },
      delivered: { origin: { objects: 1200 + i, bytes: Math.round(size / 12), skipped: 0 } },
    };
  });
}

/** Write a day's titles into a work folder's queue journal, as the engine's JobStore does. */
export async function seedQueue(workDir: string, jobs: JobRecord[]): Promise<void> {
  const store = new JobStore<JobRecord>(join(workDir, 'jobs.jsonl'));
  await store.open();
  for (const j of jobs) await store.save(j);
  await store.close();
}

const hex = (i: number): string => ((i * 2_654_435_761) >>> 0).toString(16).padStart(8, '0');

/** A library of n audited titles: most proven whole last night, some with problems, some waiting for a restore, some never proven. */
export function libraryOf(n: number, now = Date.now()): { titles: LibraryTitle[]; last: LibraryRun } {
  const titles = Array.from({ length: n }, (_v, i): LibraryTitle => {
    const at = new Date(now - 3_600_000 - (i % 1440) * 60_000).toISOString();
    const t: LibraryTitle = {
      titleId:
        i % 5 === 0
          ? `tt${String(100_000 + i).padStart(7, '0')}`
          : `${titleOf(i % 3000)
              .toLowerCase()
              .replace(/[^a-z0-9]+/g, '-')
              .replace(/-$/, '')}-${hex(i)}`,
      version: `v20${String(20 + (i % 7)).padStart(2, '0')}0${1 + (i % 9)}01T000000Z-${hex(i).slice(0, 4)}`,
      lastAudit: at,
      lastProvenWhole: at,
      problems: [],
      repairs: i % 97 === 0 ? 2 : 0,
      chunks: i === 0 ? 10_000 : 600 + ((i * 13) % 1800),
      viewersChecked: 4,
    };
    if (i % 83 === 1) {
      t.problems = [
        {
          key: `${t.titleId}/${t.version}/720p/seg_${String(i % 900).padStart(5, '0')}.m4s`,
          problem: 'missing',
          detail: 'the manifest lists 1,204,332 bytes; the store has nothing',
        },
      ];
      t.lastProvenWhole = new Date(now - 86_400_000 * (1 + (i % 5))).toISOString();
    }
    if (i % 331 === 2) {
      t.problems = [
        {
          key: `${t.titleId}/${t.version}/1080p/seg_00042.m4s`,
          problem: 'size-mismatch',
          detail: 'the store has 0 bytes',
        },
      ];
      t.restore = {
        key: `${t.titleId}/${t.version}/package.tar`,
        destination: 'archive',
        storageClass: 'DEEP_ARCHIVE',
        tier: 'Standard',
        requestedAt: at,
        detail: 'Standard restore: ready within 12 hours, about $0.02',
      };
    }
    if (i % 53 === 3) delete t.lastProvenWhole;
    if (i === 0)
      // The long title (10,000 chunks): three of them found wrong by the last audit.
      t.problems = [7, 4321, 9876].map((k) => ({
        key: `${t.titleId}/${t.version}/${BIG_RUNGS[k % BIG_RUNGS.length]}/seg_${String(Math.floor(k / BIG_RUNGS.length)).padStart(5, '0')}.m4s`,
        problem: 'missing' as const,
        detail: 'the manifest lists 1,204,332 bytes; the store has nothing',
      }));
    return t;
  });
  const startedAt = new Date(now - 2 * 3_600_000).toISOString();
  const last: LibraryRun = {
    id: 'run-seeded',
    number: 41,
    startedAt,
    endedAt: new Date(now - 3_600_000).toISOString(),
    titles: n,
    audited: n,
    withProblems: titles.filter((t) => t.problems.length).length,
    requests: { A: 0, B: n, C: n * 2 },
    costUsd: n * 0.00005,
    seconds: 3400,
  };
  return { titles, last };
}

/** Write a library into a work folder's audit log, in the LibraryStore's own format. */
export async function seedLibrary(workDir: string, lib: { titles: LibraryTitle[]; last: LibraryRun }): Promise<void> {
  await writeLibraryLog(join(workDir, 'library', 'audits.jsonl'), lib.titles, lib.last);
}

const BIG_RUNGS = ['1080p', '720p', '360p', 'audio'];

/** The manifest of the library's long title: 10,000 chunks over four renditions (what the chunk map draws). */
export function manifestOf(title: LibraryTitle): Manifest {
  const files: Manifest['files'] = [];
  for (let k = 0; k < (title.chunks ?? 0); k++) {
    const rendition = BIG_RUNGS[k % BIG_RUNGS.length]!;
    const n = String(Math.floor(k / BIG_RUNGS.length)).padStart(5, '0');
    files.push({
      path: `${rendition}/seg_${n}.m4s`,
      size: 1_204_332,
      md5: '0'.repeat(32),
      sha256: '0'.repeat(64),
      rendition,
      kind: 'segment',
      durationSec: 6,
    });
  }
  return {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    title: title.titleId,
    titleId: title.titleId,
    createdAt: '2026-12-01T00:00:00.000Z',
    source: { path: '/Volumes/Masters/long.mov', size: 1, mtimeMs: 0, durationSec: 15_000 },
    encoder: 'libx264',
    files,
  };
}
