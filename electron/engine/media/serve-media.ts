/**
 * Serves a title's package to the QC player: the local package folder, or the origin copy read back
 * through the origin destination (proof that what viewers will fetch plays). The renderer never
 * gets file:// access: Electron main answers its `station-media:` protocol with this function, and
 * the browser-test bridge answers /media/… with it. Only files inside the package are served.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobSnapshot } from '../../common/jobs.js';
import type { MediaSource as QcSource } from '../../common/api.js';
import { assertSafeKey, contentTypeFor, type Destination } from '../destinations/destination.js';
import { versionKey } from '../../common/title.js';
import { assertInside } from '../util/contained-path.js';

export interface MediaResponse {
  status: number;
  contentType: string;
  body: Uint8Array | string;
}

export interface MediaRequest {
  jobId: string;
  where: QcSource;
  path: string;
}

/** "<jobId>/<local|origin>/<path…>" (URL-decoded per segment) → request, or undefined. */
export function parseMediaPath(pathname: string): MediaRequest | undefined {
  const parts = pathname.replace(/^\/+/, '').split('/').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return '';
    }
  });
  const [jobId, where, ...rest] = parts;
  if (!jobId || !/^[A-Za-z0-9_-]{1,64}$/.test(jobId) || (where !== 'local' && where !== 'origin') || rest.length === 0) return undefined;
  return { jobId, where, path: rest.join('/') };
}

const text = (status: number, body: string): MediaResponse => ({ status, contentType: 'text/plain; charset=utf-8', body });

export async function serveMedia(req: MediaRequest, job: JobSnapshot | undefined, origin: Destination): Promise<MediaResponse> {
  if (!job) return text(404, 'no such title');
  try {
    assertSafeKey(req.path);
  } catch {
    return text(400, 'bad path');
  }
  const contentType = contentTypeFor(req.path);
  if (req.where === 'local') {
    if (!job.packageDir) return text(404, 'this title has no local package yet');
    const file = join(job.packageDir, ...req.path.split('/'));
    try {
      // A symlink inside the package must not serve a file from anywhere else.
      await assertInside(job.packageDir, file, 'the package');
    } catch {
      return text(403, `${req.path} leads out of the package`);
    }
    try {
      return { status: 200, contentType, body: await readFile(file) };
    } catch {
      return text(404, `${req.path} is not in the local package`);
    }
  }
  if (job.stages.uploadOrigin.state !== 'done' || !job.claim) return text(404, 'this title is not on the origin yet');
  try {
    return { status: 200, contentType, body: await origin.read(versionKey(job.claim.titleId, job.claim.version, req.path)) };
  } catch (err) {
    return text(502, `origin: ${(err as Error).message}`);
  }
}
