/**
 * The last way back: the archive's package tar is gone, its master is not. The master is read back
 * (restored first when it is in an archive class — the title waits like any restore), checked to be
 * the master the manifest was made from, and queued under the same title ID as a replacement: a new
 * version is transcoded, verified and published, and the damaged one retired — the ordinary
 * replacement path, so viewers never see a half-built version. Idempotent: a later audit finds the
 * download and the queued job and returns them.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sourceName } from '../../common/manifest.js';
import type { TitleRequest } from '../../common/jobs.js';
import { safeFileName, sameMaster } from '../../common/title.js';
import type { Destination, RestoreTier } from '../destinations/destination.js';
import { fingerprintFile } from '../util/fingerprint.js';
import { StationError } from '../util/errors.js';
import { readableNow } from './archive-repair.js';
import type { Rebuild } from './title-audit.js';

export interface RebuildOptions {
  archive: Destination;
  /** Where read-back masters are kept (`<workDir>/rebuild`). */
  dir: string;
  restore: { tier: RestoreTier; days: number };
  /** Queue a master under a title request; returns the job's id (the existing one when already queued). */
  enqueue(path: string, request: TitleRequest): Promise<string>;
}

export function createRebuild(o: RebuildOptions): Rebuild {
  return async ({ titleId, masterKey, manifest, signal }) => {
    const waiting = await readableNow(o.archive, masterKey, o.restore, 'the master is read back and transcoded again');
    if (waiting) return { state: 'waiting', restore: waiting };
    const dir = join(o.dir, safeFileName(titleId));
    await mkdir(dir, { recursive: true });
    const path = join(dir, safeFileName(sourceName(manifest)) || 'master');
    const have = await stat(path).then(
      (s) => s.size === manifest.source.size,
      () => false,
    );
    if (!have) await o.archive.downloadTo(masterKey, path, signal);
    const got = await fingerprintFile(path);
    if (!sameMaster(got, manifest.source)) {
      await rm(path, { force: true });
      throw new StationError(
        `${o.archive.locate(masterKey)} is not the master "${manifest.title}" was made from (size or content differs): not transcoding it`,
        'archive-master-differs',
      );
    }
    const jobId = await o.enqueue(path, { titleId, replace: true });
    return {
      state: 'queued',
      jobId,
      detail: `the package tar is gone from the archive: the archived master ${o.archive.locate(masterKey)} is being transcoded again and will replace the damaged version (job ${jobId})`,
    };
  };
}
