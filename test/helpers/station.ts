import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stationConfigSchema, type DestinationConfig } from '../../electron/common/config';
import { openStation, type Station } from '../../electron/engine/station';

export async function tempDir(prefix = 'ingest-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A station on a temp work folder with the given origin (and optional archive) destination. */
export async function testStation(dir: string, origin: DestinationConfig, archive?: DestinationConfig): Promise<Station> {
  const config = stationConfigSchema.parse({
    destinations: { origin, ...(archive ? { archive } : {}) },
    origin: 'origin',
    ...(archive ? { archive: 'archive' } : {}),
    workDir: join(dir, 'work'),
    segmentSeconds: 2,
  });
  return openStation({ config, baseDir: dir });
}
