/**
 * Audit and repair of one title at one destination, from its manifest (and, when still on disk, its
 * local package). The title's claim at the store decides what the audit may call wrong: only a
 * prefix whose claim makes this manifest's version the live one of this master is the title's own.
 *
 * Expected at the origin: every package file under `<titleId>/<version>/`, the version's
 * manifest.json, the public entry points at `<titleId>/` and the claim. At the archive: the source
 * master and the package tar under the version, and the claim. Objects of the other versions the
 * claim names (a replacement in progress, versions retired and waiting out their grace period) are
 * not "unexpected"; anything else under the prefix is. Repair re-uploads exactly the missing or
 * wrong objects from the local package — verified again first — and deletes unexpected ones only
 * under a prefix that is provably the title's, then audits again.
 */
import { createHash } from 'node:crypto';
import type { Pool } from '../transfer/adaptive-limit.js';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  MANIFEST_FILE,
  type AuditProblem,
  type AuditRecord,
  type Manifest,
  type RestoreState,
} from '../../common/manifest.js';
import { claimKey, sameMaster, versionKey, type TitleClaim } from '../../common/title.js';
import type { Destination, RestoreTier } from '../destinations/destination.js';
import { ArchiveTarMissing, repairFromArchive } from './archive-repair.js';
import { contentTypeFor, joinKey } from '../destinations/destination.js';
import { FileSource } from '../transfer/byte-source.js';
import { StationError } from '../util/errors.js';
import { hashFile } from '../util/hash-file.js';
import { archiveKeys, packageTar, uploadPackage } from '../stages/upload.js';
import { assertVerified, verifyPackage } from '../stages/verify.js';
import type { KeyStore } from '../package/encryption.js';
import { ForeignClaim, readClaim, sweepRetired, type ReadClaim } from '../title/claim.js';
import { entryPointFrom, entryPointNames, type EntryPoint } from '../title/entry-points.js';
import { auditDestination, type ExpectedObject } from './audit.js';

export interface TitleAuditOptions {
  destination: Destination;
  role: 'origin' | 'archive';
  manifest: Manifest;
  /** The local package folder, when it still exists (needed for repair and multipart ETags). */
  packageDir?: string;
  titleId: string;
  /** The version the manifest was delivered as; absent: the claim's live version, if it is this master's. */
  version?: string;
  /** For the archive: the storage class its objects must be in. */
  storageClass?: string;
  deep?: boolean | number;
  repair?: boolean;
  ffprobePath?: string;
  /** The station's content keys: an encrypted package is decoded through them before it repairs anything. */
  keys?: KeyStore;
  /** The station's shared pool of small objects (a repair of many chunks goes through it like an upload). */
  pool?: Pool;
  /** Grace period of retired versions, removed by a repair once it is over (ms). */
  retireGraceMs?: number;
  /**
   * For the origin: the archive holding the title's package tar — the way back when the local
   * package is gone (ranged reads of exactly the damaged members; a restore first if it is archived).
   */
  archive?: Destination;
  restore?: { tier: RestoreTier; days: number };
  /** When the archive's package tar is gone but its master is not: transcode that master again (the station's queue). */
  rebuild?: Rebuild;
  /** The title's claim as the caller just read it (the library audit finds titles by their claims): not read again. */
  claim?: ReadClaim;
  signal?: AbortSignal;
}

/** Transcode a title again from its archived master, published as a replacement of the damaged version. */
export type Rebuild = (r: {
  titleId: string;
  version: string;
  masterKey: string;
  manifest: Manifest;
  signal?: AbortSignal;
}) => Promise<{ state: 'waiting'; restore: RestoreState } | { state: 'queued'; jobId: string; detail: string }>;

async function exists(path: string | undefined): Promise<boolean> {
  if (!path) return false;
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Whose the prefix is, as far as the claim at the store says. */
type Ownership =
  | { owned: true; claim: TitleClaim; version: string }
  | { owned: false; claim?: TitleClaim; version?: string; problem: AuditProblem };

async function ownership(o: TitleAuditOptions): Promise<Ownership> {
  const key = claimKey(o.titleId);
  let read;
  try {
    read = o.claim ?? (await readClaim(o.destination, o.titleId, o.signal));
  } catch (err) {
    if (err instanceof ForeignClaim)
      return { owned: false, problem: { key, problem: 'claimed-by-other', detail: err.message } };
    throw err;
  }
  if (!read)
    return {
      owned: false,
      ...(o.version ? { version: o.version } : {}),
      problem: {
        key,
        problem: 'missing',
        detail: 'the title has no claim at this store, so nothing under its prefix is provably its own',
      },
    };
  const { claim } = read;
  const live = claim.current;
  const version = o.version ?? (live && sameMaster(live.master, o.manifest.source) ? live.version : undefined);
  if (live && version === live.version && sameMaster(live.master, o.manifest.source))
    return { owned: true, claim, version };
  const what = live
    ? `the live version is ${live.version} from ${live.master.name} (${live.at.slice(0, 10)})`
    : 'nothing is live';
  return {
    owned: false,
    claim,
    ...(version ? { version } : {}),
    problem: {
      key,
      problem: 'not-live',
      detail: `${version ? `version ${version} of this manifest is not the title's live version` : "this manifest's master is not the title's"}: ${what}`,
    },
  };
}

/** The entry points as they must be, from the local package or the version's own copies at the store. */
async function expectedEntryPoints(
  o: TitleAuditOptions,
  version: string,
): Promise<Map<string, EntryPoint | undefined>> {
  const out = new Map<string, EntryPoint | undefined>();
  for (const name of entryPointNames(o.manifest)) {
    const listed = o.manifest.files.find((f) => f.path === name);
    let copy: Buffer | undefined;
    if (o.packageDir && (await exists(join(o.packageDir, name)))) copy = await readFile(join(o.packageDir, name));
    else copy = (await o.destination.getObject(versionKey(o.titleId, version, name), o.signal))?.body;
    const sound = copy && listed && createHash('sha256').update(copy).digest('hex') === listed.sha256;
    out.set(name, sound ? entryPointFrom(name, copy!, version) : undefined);
  }
  return out;
}

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

async function expectedObjects(o: TitleAuditOptions, version: string): Promise<ExpectedObject[]> {
  const local = await exists(o.packageDir && join(o.packageDir, MANIFEST_FILE));
  const out: ExpectedObject[] = [{ key: claimKey(o.titleId), ignoreStorageClass: true }];
  if (o.role === 'origin') {
    for (const f of o.manifest.files) {
      const path = join(o.packageDir ?? '/nonexistent', ...f.path.split('/'));
      // Single-part ETags come from the manifest's MD5; multipart ones need the local file.
      out.push({
        key: versionKey(o.titleId, version, f.path),
        size: f.size,
        sha256: f.sha256,
        etagFor: (stored: string) => o.destination.expectedEtag(new FileSource(path), f.size, f.md5, stored),
      });
    }
    if (local) {
      const bytes = await readFile(join(o.packageDir!, MANIFEST_FILE));
      const etag = await o.destination.expectedEtag(
        new FileSource(join(o.packageDir!, MANIFEST_FILE)),
        bytes.length,
        md5(bytes),
      );
      out.push({
        key: versionKey(o.titleId, version, MANIFEST_FILE),
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        ...(etag ? { etag } : {}),
      });
    } else {
      out.push({ key: versionKey(o.titleId, version, MANIFEST_FILE) }); // the copy the audit itself was read from
    }
    for (const [name, e] of await expectedEntryPoints(o, version)) {
      out.push({
        key: joinKey(o.titleId, name),
        ignoreStorageClass: true,
        ...(e
          ? { size: e.body.length, etag: md5(e.body), sha256: createHash('sha256').update(e.body).digest('hex') }
          : {}),
      });
    }
    return out;
  }
  const keys = archiveKeys(o.titleId, version, o.manifest.source.path);
  const sourceThere = await exists(o.manifest.source.path);
  const source = new FileSource(o.manifest.source.path);
  out.push({
    key: keys.source,
    size: o.manifest.source.size,
    ...(sourceThere
      ? { etagFor: (stored: string) => o.destination.expectedEtag(source, o.manifest.source.size, undefined, stored) }
      : {}),
  });
  if (local) {
    const tar = await packageTar(o.packageDir!, o.manifest, o.titleId);
    out.push({
      key: keys.tar,
      size: tar.size,
      etagFor: (stored: string) => o.destination.expectedEtag(tar, tar.size, undefined, stored),
    });
  } else {
    out.push({ key: keys.tar });
  }
  return out;
}

function missingPackage(o: TitleAuditOptions): StationError {
  return new StationError(
    `The local package of "${o.manifest.title}" is gone and no archive was given to repair the origin from. ` +
      `Audit with the archive configured (the station reads the damaged chunks back from the archived package tar), ` +
      `or re-transcode the title from its master (${o.manifest.source.path}).`,
    'package-missing',
  );
}

type Repaired = NonNullable<AuditRecord['repaired']> & {
  waiting?: RestoreState;
  rebuilding?: NonNullable<AuditRecord['rebuild']>;
};

async function repair(o: TitleAuditOptions, version: string, first: AuditRecord): Promise<Repaired> {
  const wrong = new Set(first.problems.filter((p) => p.problem !== 'unexpected').map((p) => p.key));
  const uploaded: string[] = [];
  const deleted: string[] = [];
  const versionPrefix = `${o.titleId}/${version}/`;
  const dataWrong = [...wrong].some((k) => k.startsWith(versionPrefix));
  const local = await exists(o.packageDir && join(o.packageDir, MANIFEST_FILE));
  let fromArchive: Repaired['fromArchive'];
  if (dataWrong && !local && o.role === 'origin' && o.archive) {
    // The local package is gone: the archive's tar, member by member.
    const r = await repairFromArchive({
      archive: o.archive,
      origin: o.destination,
      titleId: o.titleId,
      version,
      manifest: o.manifest,
      paths: [...wrong].filter((k) => k.startsWith(versionPrefix)).map((k) => k.slice(versionPrefix.length)),
      restore: o.restore ?? { tier: 'Standard', days: 7 },
      ...(o.pool ? { pool: o.pool } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    }).catch(async (err: unknown) => {
      // No tar to read from: the archived master, transcoded again, is the way back.
      if (!(err instanceof ArchiveTarMissing && err.masterThere && o.rebuild)) throw err;
      return {
        state: 'rebuild' as const,
        rebuild: await o.rebuild({
          titleId: o.titleId,
          version,
          masterKey: err.masterKey,
          manifest: o.manifest,
          ...(o.signal ? { signal: o.signal } : {}),
        }),
        masterKey: err.masterKey,
      };
    });
    if (r.state === 'rebuild') {
      if (r.rebuild.state === 'waiting') return { uploaded, deleted, waiting: r.rebuild.restore };
      return {
        uploaded,
        deleted,
        rebuilding: { jobId: r.rebuild.jobId, masterKey: r.masterKey, detail: r.rebuild.detail },
      };
    }
    if (r.state === 'waiting') return { uploaded, deleted, waiting: r.restore };
    uploaded.push(...r.uploaded);
    fromArchive = { bytesRead: r.bytesRead, bytesRepaired: r.bytesRepaired, requests: r.requests };
  } else if (dataWrong && !local && o.role === 'origin') throw missingPackage(o);
  // The local copy must itself be whole before it is used to repair anything.
  if (dataWrong && local && o.ffprobePath)
    assertVerified(
      await verifyPackage({
        packageDir: o.packageDir!,
        ffprobePath: o.ffprobePath,
        mode: 'check',
        ...(o.keys ? { keys: o.keys } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      }),
    );
  if (o.role === 'origin' && dataWrong && !fromArchive) {
    // The upload's own code: data before the playlists that name it, through the shared pool; the entry points last.
    const repaired = await uploadPackage({
      destination: o.destination,
      packageDir: o.packageDir!,
      manifest: o.manifest,
      keyPrefix: `${o.titleId}/${version}`,
      only: (path) => wrong.has(versionKey(o.titleId, version, path)),
      force: true,
      ...(o.pool ? { pool: o.pool } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    uploaded.push(...repaired.map((u) => u.key));
  }
  if (o.role === 'origin') {
    for (const [name, e] of await expectedEntryPoints(o, version)) {
      const key = joinKey(o.titleId, name);
      if (!wrong.has(key)) continue;
      if (!e)
        throw new StationError(
          `${key} cannot be rebuilt: the version's own ${name} is gone from the store and from the station`,
          'package-missing',
        );
      await o.destination.writeObject(key, e.body, {
        contentType: contentTypeFor(name),
        ...(o.signal ? { signal: o.signal } : {}),
      });
      uploaded.push(key);
    }
  } else {
    const keys = archiveKeys(o.titleId, version, o.manifest.source.path);
    if (wrong.has(keys.source)) {
      if (!(await exists(o.manifest.source.path)))
        throw new StationError(
          `The master ${o.manifest.source.path} is gone: the archive copy of it cannot be re-uploaded`,
          'source-missing',
        );
      const d = await hashFile(o.manifest.source.path, o.signal);
      await o.destination.put({
        localPath: o.manifest.source.path,
        key: keys.source,
        size: d.size,
        md5: d.md5,
        force: true,
        ...(o.signal ? { signal: o.signal } : {}),
      });
      uploaded.push(keys.source);
    }
    // Without the local package the tar cannot be made again; it stands as a problem (the origin's
    // repair transcodes the archived master again, and the new version brings its own tar).
    if (wrong.has(keys.tar) && local) {
      await o.destination.putSource({
        source: await packageTar(o.packageDir!, o.manifest, o.titleId),
        key: keys.tar,
        contentType: 'application/x-tar',
        force: true,
        ...(o.signal ? { signal: o.signal } : {}),
      });
      uploaded.push(keys.tar);
    }
  }
  // Only under a prefix whose claim is this title's (the audit ran with ownership proven).
  for (const p of first.problems) {
    if (p.problem === 'unexpected') {
      const r = await o.destination.delete(p.key, o.signal);
      if (r.outcome !== 'refused') deleted.push(p.key);
    }
  }
  await sweepRetired(o.destination, o.titleId, o.retireGraceMs ?? 0, o.signal ? { signal: o.signal } : {});
  return { uploaded, deleted, ...(fromArchive ? { fromArchive } : {}) };
}

/** Audit (and optionally repair, then audit again). Returns one record, or two after a repair. */
export async function auditTitle(o: TitleAuditOptions): Promise<AuditRecord[]> {
  const own = await ownership(o);
  if (!own.owned) {
    // Not provably this title's: say so and touch nothing.
    return [
      {
        at: new Date().toISOString(),
        destination: o.destination.name,
        prefix: o.titleId,
        objectsExpected: 0,
        objectsListed: 0,
        deepChecked: 0,
        problems: [own.problem],
        seconds: 0,
      },
    ];
  }
  const others = [...new Set([own.claim.pending?.version, ...own.claim.retired.map((r) => r.version)])].filter(
    (v): v is string => !!v && v !== own.version,
  );
  const run = async (): Promise<AuditRecord> =>
    auditDestination({
      destination: o.destination,
      prefix: o.titleId,
      expected: await expectedObjects(o, own.version),
      ignorePrefixes: others.map((v) => `${o.titleId}/${v}/`),
      ...(o.storageClass ? { storageClass: o.storageClass } : {}),
      ...(o.deep !== undefined ? { deep: o.deep } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
  const first = await run();
  if (!o.repair || first.problems.length === 0) return [{ ...first, version: own.version }];
  const { waiting, rebuilding, ...repaired } = await repair(o, own.version, first);
  // Waiting for the archive's restore, or for the title transcoded again: the problems stand, and the record says why.
  if (waiting) return [{ ...first, version: own.version, restore: waiting }];
  if (rebuilding) return [{ ...first, version: own.version, rebuild: rebuilding }];
  const second = await run();
  return [
    { ...first, version: own.version },
    { ...second, version: own.version, repaired },
  ];
}
