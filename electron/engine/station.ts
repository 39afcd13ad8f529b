/**
 * The engine's front door: builds destinations, the stage pipeline and the persisted queue from a
 * StationConfig. Used by Electron main, the CLI and the test loopback bridge alike.
 */
import { mkdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { StationConfig } from '../common/config.js';
import { createDestination, type Destination } from './destinations/index.js';
import { locateTools, type ToolPaths } from './ffmpeg/locate.js';
import { createStageRunners } from './pipeline.js';
import { JobQueue, type JobRecord, type QueueOptions } from './queue/job-queue.js';
import { JobStore } from './queue/job-store.js';

export interface StationOptions {
  config: StationConfig;
  /** Relative paths in the config resolve against this folder (the config file's folder or cwd). */
  baseDir: string;
  /** Folder holding bin/<platform>-<arch>/ffmpeg when bundled. */
  resourcesDir?: string;
  uploadConcurrency?: number;
  /** Which queued jobs this process may start (see QueueOptions.eligible). */
  eligible?: QueueOptions['eligible'];
}

export interface Station {
  queue: JobQueue;
  workDir: string;
  origin: Destination;
  archive?: Destination;
  tools(): ToolPaths;
  close(): Promise<void>;
}

export async function openStation(opts: StationOptions): Promise<Station> {
  const { config } = opts;
  const workDir = config.workDir
    ? isAbsolute(config.workDir) ? config.workDir : resolve(opts.baseDir, config.workDir)
    : resolve(opts.baseDir, 'ingest-work');
  await mkdir(join(workDir, 'jobs'), { recursive: true });

  const destinations = new Map<string, Destination>();
  const dest = (name: string): Destination => {
    let d = destinations.get(name);
    if (!d) {
      const cfg = config.destinations[name];
      if (!cfg) throw new Error(`destination "${name}" is not defined`);
      d = createDestination(name, cfg, opts.baseDir);
      destinations.set(name, d);
    }
    return d;
  };
  const origin = dest(config.origin);
  const archive = config.archive ? dest(config.archive) : undefined;

  let tools: ToolPaths | undefined;
  const getTools = (): ToolPaths =>
    (tools ??= locateTools({
      ...(config.ffmpegPath ? { ffmpegPath: config.ffmpegPath } : {}),
      ...(config.ffprobePath ? { ffprobePath: config.ffprobePath } : {}),
      ...(opts.resourcesDir ? { resourcesDir: opts.resourcesDir } : {}),
    }));

  const runners = createStageRunners({
    tools: getTools,
    origin,
    ...(archive ? { archive } : {}),
    jobDir: (id) => join(workDir, 'jobs', id),
    segmentSeconds: config.segmentSeconds,
    uploadConcurrency: opts.uploadConcurrency ?? 16,
  });
  const queue = await JobQueue.open(new JobStore<JobRecord>(join(workDir, 'jobs.jsonl')), runners, {
    ...(opts.eligible ? { eligible: opts.eligible } : {}),
  });

  return {
    queue,
    workDir,
    origin,
    ...(archive ? { archive } : {}),
    tools: getTools,
    async close() {
      await queue.close();
      for (const d of destinations.values()) d.close();
    },
  };
}
