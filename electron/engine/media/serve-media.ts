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
import { assertSafeKey, contentTypeFor, joinKey, type Destination } from '../destinations/destination.js';
import { titleKey } from '../pipeline.js';

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
    try {
      return { status: 200, contentType, body: await readFile(join(job.packageDir, ...req.path.split('/'))) };
    } catch {
      return text(404, `${req.path} is not in the local package`);
    }
  }
  if (job.stages.uploadOrigin.state !== 'done') return text(404, 'this title is not on the origin yet');
  try {
    return { status: 200, contentType, body: await origin.read(joinKey(titleKey(job.title), req.path)) };
  } catch (err) {
    return text(502, `origin: ${(err as Error).message}`);
  }
}
