/**
 * Audit and repair of one title at one destination, from its manifest (and, when still on disk, its
 * local package). Origin: every file of the package + manifest.json. Archive: the source master and
 * the package tar, in the archive's storage class. Repair re-uploads exactly the missing or wrong
 * objects from the local package — verified again first — deletes unexpected ones, and audits again.
 */
import { readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { MANIFEST_FILE, type AuditRecord, type Manifest } from '../../common/manifest.js';
import type { Destination } from '../destinations/destination.js';
import { joinKey } from '../destinations/destination.js';
import { FileSource } from '../transfer/byte-source.js';
import { StationError } from '../util/errors.js';
import { hashFile } from '../util/hash-file.js';
import { archiveKeys, packageTar, uploadWaves } from '../stages/upload.js';
import { assertVerified, verifyPackage } from '../stages/verify.js';
import { auditDestination, type ExpectedObject } from './audit.js';

export interface TitleAuditOptions {
  destination: Destination;
  role: 'origin' | 'archive';
  manifest: Manifest;
  /** The local package folder, when it still exists (needed for repair and multipart ETags). */
  packageDir?: string;
  titleKey: string;
  /** For the archive: the storage class its objects must be in. */
  storageClass?: string;
  deep?: boolean | number;
  repair?: boolean;
  ffprobePath?: string;
  signal?: AbortSignal;
}

async function exists(path: string | undefined): Promise<boolean> {
  if (!path) return false;
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function expectedObjects(o: TitleAuditOptions): Promise<ExpectedObject[]> {
  const local = await exists(o.packageDir && join(o.packageDir, MANIFEST_FILE));
  if (o.role === 'origin') {
    const out: ExpectedObject[] = [];
    for (const f of o.manifest.files) {
      const path = join(o.packageDir ?? '/nonexistent', ...f.path.split('/'));
      // Single-part ETags come from the manifest's MD5; multipart ones need the local file.
      const etag = await o.destination.expectedEtag(new FileSource(path), f.size, f.md5).catch(() => undefined);
      out.push({ key: joinKey(o.titleKey, f.path), size: f.size, sha256: f.sha256, ...(etag ? { etag } : {}) });
    }
    if (local) {
      const bytes = await readFile(join(o.packageDir!, MANIFEST_FILE));
      const md5 = createHash('md5').update(bytes).digest('hex');
      const etag = await o.destination.expectedEtag(new FileSource(join(o.packageDir!, MANIFEST_FILE)), bytes.length, md5);
      out.push({ key: joinKey(o.titleKey, MANIFEST_FILE), size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), ...(etag ? { etag } : {}) });
    } else {
      out.push({ key: joinKey(o.titleKey, MANIFEST_FILE) }); // the copy the audit itself was read from
    }
    return out;
  }
  const keys = archiveKeys(o.titleKey, o.manifest.source.path);
  const out: ExpectedObject[] = [];
  const sourceThere = await exists(o.manifest.source.path);
  const sourceEtag = sourceThere ? await o.destination.expectedEtag(new FileSource(o.manifest.source.path), o.manifest.source.size) : undefined;
  out.push({ key: keys.source, size: o.manifest.source.size, ...(sourceEtag ? { etag: sourceEtag } : {}) });
  if (local) {
    const tar = await packageTar(o.packageDir!, o.manifest, o.titleKey);
    const etag = await o.destination.expectedEtag(tar, tar.size);
    out.push({ key: keys.tar, size: tar.size, ...(etag ? { etag } : {}) });
  }
  return out;
}

function missingPackage(o: TitleAuditOptions): StationError {
  return new StationError(
    `The local package of "${o.manifest.title}" is gone, so the origin cannot be repaired from it. Re-transcode the title ` +
      `from its master (${o.manifest.source.path}); if the master is gone too, restore the archive copy — it is in ` +
      `DEEP_ARCHIVE, so a restore takes up to 12 hours before it can be read: request it with "ingest-station audit <manifest> --dest <archive> --config <file> --request-restore".`,
    'package-missing',
  );
}

async function repair(o: TitleAuditOptions, first: AuditRecord): Promise<{ uploaded: string[]; deleted: string[] }> {
  if (!(await exists(o.packageDir && join(o.packageDir, MANIFEST_FILE)))) throw missingPackage(o);
  // The local copy must itself be whole before it is used to repair anything.
  if (o.ffprobePath) assertVerified(await verifyPackage({ packageDir: o.packageDir!, ffprobePath: o.ffprobePath, mode: 'check', ...(o.signal ? { signal: o.signal } : {}) }));
  const wrong = new Set(first.problems.filter((p) => p.problem !== 'unexpected').map((p) => p.key));
  const uploaded: string[] = [];
  const deleted: string[] = [];
  const send = async (rel: string, key: string): Promise<void> => {
    const path = join(o.packageDir!, ...rel.split('/'));
    const d = await hashFile(path, o.signal);
    await o.destination.put({ localPath: path, key, size: d.size, md5: d.md5, force: true, ...(o.signal ? { signal: o.signal } : {}) });
    uploaded.push(key);
  };
  if (o.role === 'origin') {
    // Data before the playlists that name it, as in the first upload.
    for (const wave of uploadWaves(o.manifest.files)) {
      for (const f of wave) if (wrong.has(joinKey(o.titleKey, f.path))) await send(f.path, joinKey(o.titleKey, f.path));
    }
    if (wrong.has(joinKey(o.titleKey, MANIFEST_FILE))) await send(MANIFEST_FILE, joinKey(o.titleKey, MANIFEST_FILE));
  } else {
    const keys = archiveKeys(o.titleKey, o.manifest.source.path);
    if (wrong.has(keys.source)) {
      if (!(await exists(o.manifest.source.path))) throw new StationError(`The master ${o.manifest.source.path} is gone: the archive copy of it cannot be re-uploaded`, 'source-missing');
      const d = await hashFile(o.manifest.source.path, o.signal);
      await o.destination.put({ localPath: o.manifest.source.path, key: keys.source, size: d.size, md5: d.md5, force: true, ...(o.signal ? { signal: o.signal } : {}) });
      uploaded.push(keys.source);
    }
    if (wrong.has(keys.tar)) {
      await o.destination.putSource({ source: await packageTar(o.packageDir!, o.manifest, o.titleKey), key: keys.tar, contentType: 'application/x-tar', force: true });
      uploaded.push(keys.tar);
    }
  }
  for (const p of first.problems) {
    if (p.problem === 'unexpected') {
      await o.destination.delete(p.key);
      deleted.push(p.key);
    }
  }
  return { uploaded, deleted };
}

/** Audit (and optionally repair, then audit again). Returns one record, or two after a repair. */
export async function auditTitle(o: TitleAuditOptions): Promise<AuditRecord[]> {
  const run = async (): Promise<AuditRecord> =>
    auditDestination({
      destination: o.destination,
      prefix: o.titleKey,
      expected: await expectedObjects(o),
      ...(o.storageClass ? { storageClass: o.storageClass } : {}),
      ...(o.deep !== undefined ? { deep: o.deep } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
  const first = await run();
  if (!o.repair || first.problems.length === 0) return [first];
  const repaired = await repair(o, first);
  const second = await run();
  return [first, { ...second, repaired }];
}

