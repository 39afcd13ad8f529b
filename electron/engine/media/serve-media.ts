/**
 * Serves a title's package to the QC player: the local package folder, or the origin copy read back
 * through the origin destination (proof that what viewers will fetch plays). The renderer never
 * gets file:// access: Electron main answers its `station-media:` protocol with this function, and
 * the browser-test bridge answers /media/… with it. Only files inside the package are served.
 *
 * An encrypted title plays too: its media playlists are served with each EXT-X-KEY pointed at
 * `@key/<keyId>` beside the title, answered from the title's own key export — the key server the
 * playlists name is the platform's, and the station's keys go to this player only.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobSnapshot } from '../../common/jobs.js';
import type { MediaSource as QcSource } from '../../common/api.js';
import { assertSafeKey, contentTypeFor, type Destination } from '../destinations/destination.js';
import { versionKey } from '../../common/title.js';
import { segmentProblem } from '../../common/segment.js';
import { assertInside } from '../util/contained-path.js';
import type { KeyFile } from '../package/encryption.js';

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
  const parts = pathname
    .replace(/^\/+/, '')
    .split('/')
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return '';
      }
    });
  const [jobId, where, ...rest] = parts;
  if (!jobId || segmentProblem(jobId) || (where !== 'local' && where !== 'origin') || rest.length === 0)
    return undefined;
  return { jobId, where, path: rest.join('/') };
}

const text = (status: number, body: string): MediaResponse => ({
  status,
  contentType: 'text/plain; charset=utf-8',
  body,
});

const KEY_PATH = /^@key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** A picture of the title's QC folder: the frame the crop is shown on, a finding's thumbnail. */
const QC_PATH = /^@qc\/((?:frame|qc-[a-z-]+-\d+)\.jpg)$/;

async function serveQcImage(job: JobSnapshot, name: string): Promise<MediaResponse> {
  if (!job.qcDir) return text(404, 'this title has no QC pictures yet');
  const file = join(job.qcDir, name);
  try {
    await assertInside(job.qcDir, file, 'the QC folder');
    return { status: 200, contentType: 'image/jpeg', body: await readFile(file) };
  } catch {
    return text(404, `${name} is not among the title's QC pictures`);
  }
}

/** A content key of this title, from its key export (never a key of another title). */
async function serveKey(job: JobSnapshot, keyId: string): Promise<MediaResponse> {
  if (!job.keyExport) return text(404, 'this title is not encrypted');
  const file = JSON.parse(await readFile(job.keyExport, 'utf8').catch(() => '{}')) as Partial<KeyFile>;
  const key = file.keys?.find((k) => k.keyId === keyId);
  if (!key) return text(404, `key ${keyId} is not one of this title's`);
  return { status: 200, contentType: 'application/octet-stream', body: Buffer.from(key.key, 'hex') };
}

/** A media playlist of an encrypted title with its key URIs pointed at this server's @key/<id>. */
function localKeys(playlist: string, path: string): string {
  const up = '../'.repeat(path.split('/').length - 1);
  return playlist.replace(/^(#EXT-X-KEY:.*URI=")([^"]*)(")/gm, (line, pre: string, uri: string, post: string) => {
    const id = UUID.exec(uri)?.[0];
    return id ? `${pre}${up}@key/${id}${post}` : line;
  });
}

export async function serveMedia(
  req: MediaRequest,
  job: JobSnapshot | undefined,
  origin: Destination,
): Promise<MediaResponse> {
  if (!job) return text(404, 'no such title');
  const key = KEY_PATH.exec(req.path);
  if (key) return serveKey(job, key[1]!);
  const qc = QC_PATH.exec(req.path);
  if (qc) return serveQcImage(job, qc[1]!);
  const response = await serveFile(req, job, origin);
  if (job.keyExport && response.status === 200 && req.path.endsWith('.m3u8')) {
    return { ...response, body: localKeys(Buffer.from(response.body).toString('utf8'), req.path) };
  }
  return response;
}

async function serveFile(req: MediaRequest, job: JobSnapshot, origin: Destination): Promise<MediaResponse> {
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
    return {
      status: 200,
      contentType,
      body: await origin.read(versionKey(job.claim.titleId, job.claim.version, req.path)),
    };
  } catch (err) {
    return text(502, `origin: ${(err as Error).message}`);
  }
}
