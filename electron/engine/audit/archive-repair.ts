/**
 * Repair of an origin from the archive, without transcoding again: the archive holds the package as
 * one deterministic tar (transfer/tar-source.ts), so every file's byte range inside it follows from
 * the manifest (names and sizes) and the size of the manifest member at the front — read from the
 * tar's first header. A missing or damaged chunk is one ranged GET of exactly its bytes, checked
 * against the manifest's SHA-256, then written to the origin: bytes read ≈ bytes repaired.
 *
 * An archive in DEEP_ARCHIVE/GLACIER must be restored first: the restore is requested (the
 * operator's tier, its wait and cost said), and the caller keeps the title waiting — durably, in its
 * audit record — until a later audit finds the copy readable and finishes the repair. A package
 * tar that is gone leaves only the archived master: the answer says so and names it.
 */
import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import type { Pool } from '../transfer/adaptive-limit.js';
import { MANIFEST_FILE, sourceName, type Manifest, type RestoreState } from '../../common/manifest.js';
import { versionKey } from '../../common/title.js';
import { contentTypeFor, type Destination, type RestoreTier } from '../destinations/destination.js';
import { FIRST_HEADER_BYTES, firstMember, tarLayout } from '../transfer/tar-source.js';
import { StationError } from '../util/errors.js';
import { archiveKeys } from '../title/archive-keys.js';
import { needsRestore, restoreEstimate, tierFor } from '../../common/restore-tiers.js';

export interface ArchiveRepairOptions {
  archive: Destination;
  origin: Destination;
  titleId: string;
  version: string;
  manifest: Manifest;
  /** Package-relative paths the origin must get back (manifest.json included when it is gone). */
  paths: string[];
  restore: { tier: RestoreTier; days: number };
  pool?: Pool;
  signal?: AbortSignal;
}

export interface ArchiveRepairDone {
  state: 'repaired';
  /** Origin keys written. */
  uploaded: string[];
  /** Bytes read from the archive (the first header included) and bytes written to the origin. */
  bytesRead: number;
  bytesRepaired: number;
  /** Requests made to the archive. */
  requests: number;
}

export type ArchiveRepairResult = ArchiveRepairDone | { state: 'waiting'; restore: RestoreState };

/** Playlists name the chunks: they go back after the data, the manifest last (as the upload orders them). */
const rank = (path: string, manifest: Manifest): number => {
  if (path === MANIFEST_FILE) return 2;
  const kind = manifest.files.find((f) => f.path === path)?.kind ?? '';
  return /playlist|manifest/.test(kind) ? 1 : 0;
};

/** The package tar is gone from the archive; the archived master may still be there (`masterKey`). */
export class ArchiveTarMissing extends StationError {
  constructor(
    message: string,
    readonly masterKey: string,
    readonly masterThere: boolean,
  ) {
    super(message, 'archive-tar-missing');
  }
}

/**
 * Is this archived object readable now? If its class needs a restore, ask for it (once) and say
 * what the title waits on; undefined when it can be read.
 */
export async function readableNow(
  archive: Destination,
  key: string,
  restore: { tier: RestoreTier; days: number },
  what: string,
): Promise<RestoreState | undefined> {
  const head = await archive.head(key);
  if (!head) throw new StationError(`${archive.locate(key)} is gone from the archive`, 'archive-object-missing');
  if (!needsRestore(head.storageClass)) return undefined;
  if (head.restore && !head.restore.ongoing) return undefined; // a restored copy is readable until its expiry
  const tier = tierFor(head.storageClass!, restore.tier);
  const estimate = restoreEstimate(head.storageClass!, tier, head.size);
  if (!head.restore) {
    if (!archive.requestRestore)
      throw new StationError(
        `${archive.locate(key)} is in ${head.storageClass} and ${archive.name} cannot restore objects`,
        'archive-not-restorable',
      );
    await archive.requestRestore(key, { days: restore.days, tier });
    return {
      key,
      destination: archive.name,
      storageClass: head.storageClass!,
      tier,
      requestedAt: new Date().toISOString(),
      detail: `restore requested: ${estimate}; then ${what}`,
    };
  }
  return {
    key,
    destination: archive.name,
    storageClass: head.storageClass!,
    tier,
    requestedAt: '',
    detail: `restore under way: ${estimate}; then ${what}`,
  };
}

/** Is the archive's tar there and readable now? If not, ask for (or wait on) its restore. */
async function readable(o: ArchiveRepairOptions, tarKey: string, bytes: number): Promise<RestoreState | undefined> {
  if (!(await o.archive.head(tarKey))) {
    const master = archiveKeys(o.titleId, o.version, sourceName(o.manifest)).source;
    const masterThere = !!(await o.archive.head(master));
    throw new ArchiveTarMissing(
      `The archive has no package tar for "${o.manifest.title}" (${o.archive.locate(tarKey)}), so the origin cannot be repaired from it. ` +
        (masterThere
          ? `The archived master is there (${o.archive.locate(master)}): the title can be transcoded again from it and published as a replacement.`
          : `The archived master is gone too (${o.archive.locate(master)}): the title must be delivered again from its source.`),
      master,
      masterThere,
    );
  }
  return readableNow(o.archive, tarKey, o.restore, `${bytes} bytes will be read back`);
}

export async function repairFromArchive(o: ArchiveRepairOptions): Promise<ArchiveRepairResult> {
  const tarKey = archiveKeys(o.titleId, o.version, sourceName(o.manifest)).tar;
  const byPath = new Map(o.manifest.files.map((f) => [f.path, f]));
  const unknown = o.paths.filter((p) => p !== MANIFEST_FILE && !byPath.has(p));
  if (unknown.length) throw new Error(`repairFromArchive: not in the manifest: ${unknown.join(', ')}`);
  const wanted = o.paths.reduce((n, p) => n + (byPath.get(p)?.size ?? 0), 0);
  const waiting = await readable(o, tarKey, wanted);
  if (waiting) return { state: 'waiting', restore: waiting };

  // The manifest is the tar's first member; its size fixes every offset after it.
  let requests = 2; // the HEAD of the tar and its first header
  const head = await o.archive.readRange(tarKey, 0, FIRST_HEADER_BYTES, o.signal);
  let bytesRead = head.length;
  const first = firstMember(head);
  const manifestName = `${o.titleId}/${MANIFEST_FILE}`;
  if (first.name !== manifestName)
    throw new StationError(
      `${o.archive.locate(tarKey)} does not start with ${manifestName} (it starts with ${first.name}): not this title's package tar`,
      'archive-tar-foreign',
    );
  const ranges = tarLayout([
    { name: manifestName, size: first.size },
    ...o.manifest.files.map((f) => ({ name: `${o.titleId}/${f.path}`, size: f.size })),
  ]);

  const limit: Pool = o.pool ?? pLimit(8);
  const uploaded: string[] = [];
  let bytesRepaired = 0;
  const restoreOne = async (path: string): Promise<void> => {
    const r = ranges.get(`${o.titleId}/${path}`)!;
    const body = r.end > r.start ? await o.archive.readRange(tarKey, r.start, r.end, o.signal) : Buffer.alloc(0);
    requests++;
    bytesRead += body.length;
    const f = byPath.get(path);
    if (f) {
      const sha = createHash('sha256').update(body).digest('hex');
      if (sha !== f.sha256)
        throw new StationError(
          `${path} read back from ${o.archive.locate(tarKey)} has SHA-256 ${sha}, not the manifest's ${f.sha256}: the archive copy is damaged too`,
          'archive-damaged',
        );
    } else {
      // The archived manifest must be the one this audit holds (same title, same files).
      const archived = JSON.parse(body.toString('utf8')) as Manifest;
      if (
        archived.files.length !== o.manifest.files.length ||
        archived.files.some((a, i) => a.sha256 !== o.manifest.files[i]!.sha256)
      ) {
        throw new StationError(
          `The manifest in ${o.archive.locate(tarKey)} lists other files than the one audited: not restoring it`,
          'archive-damaged',
        );
      }
    }
    const key = versionKey(o.titleId, o.version, path);
    await o.origin.writeObject(key, body, {
      contentType: contentTypeFor(path),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    uploaded.push(key);
    bytesRepaired += body.length;
  };
  const order = [...new Set(o.paths)].sort((a, b) => rank(a, o.manifest) - rank(b, o.manifest));
  for (const r of [0, 1, 2])
    await Promise.all(order.filter((p) => rank(p, o.manifest) === r).map((p) => limit(() => restoreOne(p))));
  return { state: 'repaired', uploaded, bytesRead, bytesRepaired, requests };
}
