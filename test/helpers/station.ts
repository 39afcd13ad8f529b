import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stationConfigSchema, type DestinationConfig } from '../../electron/common/config';
import { openStation, type Station } from '../../electron/engine/station';
import type { JobRecord } from '../../electron/engine/queue/job-queue';
import { ladderProfilesSchema, type LadderProfile } from '../../electron/common/profile';
import profiles from '../../resources/ladder-profiles.json';

export async function tempDir(prefix = 'ingest-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A station on a temp work folder with the given origin (and optional archive) destination. */
export async function testStation(
  dir: string,
  origin: DestinationConfig,
  archive?: DestinationConfig,
  extra: Record<string, unknown> = {},
): Promise<Station> {
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
 * Seed a work folder with a job interrupted before its verify, as a crash could leave it: the
 * package and chunk journal of a finished job (`from`) copied under a new job id, with every
 * verdict, acknowledgement and the written playlists taken away, then `damage`d. Probe, plan and
 * transcode are done; claim (for delivery) and verify onwards are pending — so the next station
 * opened on `workDir` claims the title and verifies the damaged chunks as if they had just been
 * encoded. The way to feed a damaged package to the streamed verify.
 */
export async function seedJobAtVerify(opts: {
  workDir: string;
  id: string;
  title: string;
  from: { workDir: string; jobId: string };
  damage: (pkg: string) => Promise<unknown>;
}): Promise<void> {
  const { cp, mkdir, readFile, rm, writeFile } = await import('node:fs/promises');
  const { emptyStages } = await import('../../electron/common/jobs');
  const lines = (await readFile(join(opts.from.workDir, 'jobs.jsonl'), 'utf8')).split('\n').filter(Boolean);
  const source = lines
    .map((l) => JSON.parse(l) as Record<string, unknown> & { id: string })
    .filter((r) => r.id === opts.from.jobId)
    .at(-1);
  if (!source) throw new Error(`no job ${opts.from.jobId} in ${opts.from.workDir}`);
  const jobDir = join(opts.workDir, 'jobs', opts.id);
  await mkdir(join(opts.workDir, 'jobs'), { recursive: true });
  await cp(join(opts.from.workDir, 'jobs', opts.from.jobId), jobDir, { recursive: true });
  await rm(join(jobDir, 'report.json'), { force: true });
  const kept = (await readFile(join(jobDir, 'chunks.jsonl'), 'utf8'))
    .split('\n')
    .filter((l) => l && !/^\{"t":"(verified|sent|packaged)"/.test(l));
  await writeFile(join(jobDir, 'chunks.jsonl'), kept.join('\n') + '\n');
  const pkg = join(jobDir, 'package');
  for (const f of ['manifest.json', 'master.m3u8', '.ingest-station-package']) await rm(join(pkg, f), { force: true });
  const { readdir } = await import('node:fs/promises');
  for (const f of await readdir(pkg, { recursive: true }))
    if (String(f).endsWith('.m3u8')) await rm(join(pkg, String(f)), { force: true });
  await opts.damage(pkg);
  const stages = emptyStages();
  for (const s of ['probe', 'plan', 'transcode'] as const) stages[s] = { state: 'done', fraction: 1 };
  const t = new Date().toISOString();
  const record = {
    id: opts.id,
    title: opts.title,
    sourcePath: source.sourcePath,
    fingerprint: source.fingerprint,
    state: 'queued',
    stage: 'claim',
    stages,
    createdAt: t,
    updatedAt: t,
    media: source.media,
    plan: source.plan,
    ladder: source.ladder,
    packageDir: pkg,
    uploads: [],
    warnings: [],
  };
  await writeFile(join(opts.workDir, 'jobs.jsonl'), JSON.stringify(record) + '\n', { flag: 'a' });
}

/** Package a master through the station's pipeline without delivering it; returns the finished job. */
export async function packageOnly(
  master: string,
  workDir: string,
  extra: Record<string, unknown> = {},
): Promise<JobRecord> {
  const config = stationConfigSchema.parse({
    destinations: { none: { type: 'folder', path: join(workDir, 'unused') } },
    origin: 'none',
    workDir,
    segmentSeconds: 2,
    profile: 'preview',
    ...extra,
  });
  const station = await openStation({ config, baseDir: workDir, deliver: false });
  try {
    const [job] = await station.queue.add([master]);
    const done = await station.queue.waitFor(job!.id);
    if (done.state !== 'done') throw new Error(`packaging ${master} ${done.state}: ${done.error?.message}`);
    return station.queue.get(job!.id)!;
  } finally {
    await station.close();
  }
}

/** The small "preview" ladder (720/360/180): two distinct rungs from the tests' 360p masters. */
export const PREVIEW: LadderProfile = ladderProfilesSchema.parse(profiles).preview!;
