/**
 * The station's destinations, made from its config and sharing its transfer budgets: one pool of
 * parts in flight, one bandwidth budget (its timetable applied live), one adaptive pool of small
 * objects. The station, the CLI and the audits open them the same way.
 */
import { join } from 'node:path';
import pLimit from 'p-limit';
import type { StationConfig } from '../../common/config.js';
import { bandwidthAt } from '../../common/bandwidth-schedule.js';
import { resolveWorkDir } from '../settings/config-paths.js';
import { adaptivePool, type Pool } from '../transfer/adaptive-limit.js';
import { TokenBucket } from '../transfer/token-bucket.js';
import { StationError } from '../util/errors.js';
import type { Destination } from './destination.js';
import { createDestination } from './index.js';
import type { S3Runtime } from './s3.js';

export interface DestinationSet {
  get(name: string): Destination;
  close(): void;
}

/**
 * The station's destinations, created on first use, sharing one pool of parts in flight and one
 * bandwidth budget; multipart journals live in <workDir>/uploads.
 */
export function openDestinations(
  config: StationConfig,
  baseDir: string,
  overrides: Partial<S3Runtime> = {},
): DestinationSet {
  const runtime: S3Runtime = {
    journalDir: join(resolveWorkDir(config, baseDir), 'uploads'),
    stateDir: resolveWorkDir(config, baseDir),
    partsPool: pLimit(config.partsInFlight),
    partsPerFile: config.partsPerFile,
    adaptive: config.transferConcurrency === 'adaptive',
    maxPartsPerFile: config.partsInFlight,
    bandwidth: new TokenBucket(bandwidthAt(config.bandwidthSchedule, config.bandwidthLimitMBps, new Date())),
    ...overrides,
  };
  // A timetable is applied live: running uploads take the new rate at their next part.
  const schedule = config.bandwidthSchedule?.length
    ? setInterval(
        () => runtime.bandwidth?.setRate(bandwidthAt(config.bandwidthSchedule, config.bandwidthLimitMBps, new Date())),
        30_000,
      )
    : undefined;
  schedule?.unref();
  const made = new Map<string, Destination>();
  return {
    get(name) {
      let d = made.get(name);
      if (!d) {
        const cfg = config.destinations[name];
        if (!cfg)
          throw new StationError(
            `Destination "${name}" is not defined (defined: ${Object.keys(config.destinations).join(', ') || 'none'})`,
            'config-no-destination',
          );
        d = createDestination(name, cfg, baseDir, runtime);
        made.set(name, d);
      }
      return d;
    },
    close() {
      clearInterval(schedule);
      for (const d of made.values()) d.close();
    },
  };
}

/**
 * Objects in flight (chunks, audit reads): start at uploadConcurrency and adapt to the link within
 * three times that (each object's body is in memory while it is sent); fixed: uploadConcurrency.
 */
export function objectsPoolFor(config: Pick<StationConfig, 'uploadConcurrency' | 'transferConcurrency'>): Pool {
  return adaptivePool({
    min: 1,
    initial: config.uploadConcurrency,
    max: config.uploadConcurrency * 3,
    fixed: config.transferConcurrency === 'fixed',
  });
}
