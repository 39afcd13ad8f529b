import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stationConfigSchema, type DestinationConfig } from '../../electron/common/config';
import { openStation, type Station } from '../../electron/engine/station';
import { ladderProfilesSchema, type LadderProfile } from '../../electron/common/profile';
import profiles from '../../resources/ladder-profiles.json';

export async function tempDir(prefix = 'ingest-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A station on a temp work folder with the given origin (and optional archive) destination. */
export async function testStation(dir: string, origin: DestinationConfig, archive?: DestinationConfig, extra: Record<string, unknown> = {}): Promise<Station> {
  const config = stationConfigSchema.parse({
    destinations: { origin, ...(archive ? { archive } : {}) },
    origin: 'origin',
    ...(archive ? { archive: 'archive' } : {}),
    workDir: join(dir, 'work'),
    segmentSeconds: 2,
    profile: 'preview',
    ...extra,
  });
  return openStation({ config, baseDir: dir });
}

/**
 * Seed a work folder's journal with a job interrupted at `verify` (probe, plan and transcode done)
 * whose package is a copy of `packageDir`, as a crash would leave it. The next station opened on
 * that work folder resumes the job at verify — the way to feed a damaged package to the pipeline.
 */
export async function seedJobAtVerify(opts: { workDir: string; id: string; title: string; sourcePath: string; packageDir: string; damage: (pkg: string) => Promise<unknown> }): Promise<void> {
  const { cp, mkdir, writeFile } = await import('node:fs/promises');
  const { emptyStages } = await import('../../electron/common/jobs');
  const { probeMaster } = await import('../../electron/engine/stages/probe');
  const { planTranscode } = await import('../../electron/engine/stages/plan');
  const media = (await probeMaster(opts.sourcePath, { ffprobePath: 'ffprobe' })).media;
  const pkg = join(opts.workDir, 'jobs', opts.id, 'package');
  await mkdir(join(opts.workDir, 'jobs', opts.id), { recursive: true });
  await cp(opts.packageDir, pkg, { recursive: true });
  await opts.damage(pkg);
  const stages = emptyStages();
  for (const s of ['probe', 'plan', 'transcode'] as const) stages[s] = { state: 'done', fraction: 1 };
  const t = new Date().toISOString();
  const record = {
    id: opts.id, title: opts.title, sourcePath: opts.sourcePath, state: 'running', stage: 'verify', stages, createdAt: t, updatedAt: t,
    media, packageDir: pkg, plan: planTranscode(media, { segmentSeconds: 2, profile: PREVIEW }), uploads: [], warnings: [],
  };
  await writeFile(join(opts.workDir, 'jobs.jsonl'), JSON.stringify(record) + '\n', { flag: 'a' });
}

/** The small "preview" ladder (720/360/180): two distinct rungs from the tests' 360p masters. */
export const PREVIEW: LadderProfile = ladderProfilesSchema.parse(profiles).preview!;
