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
  type AuditRecord,
  type Manifest,
  type RestoreState,
  sourceName,
} from '../../common/manifest.js';
import { claimKey, versionKey, type TitleClaim } from '../../common/title.js';
import type { Destination, RestoreTier } from '../destinations/destination.js';
import { ArchiveTarMissing, repairFromArchive } from './archive-repair.js';
import { contentTypeFor, joinKey } from '../destinations/destination.js';
import { FileSource } from '../transfer/byte-source.js';
import { StationError } from '../util/errors.js';
import { hashFile } from '../util/hash-file.js';
import { packageTar, uploadPackage } from '../delivery/deliver.js';
import { archiveKeys } from '../title/archive-keys.js';
import { assertVerified, verifyPackage } from '../verify/verify-package.js';
import type { KeyStore } from '../package/encryption.js';
import type { PackageKeys } from '../verify/package-keys.js';
import { drmOf } from '../verify/drm-proof.js';
import { auditDrmThroughKeys } from './drm-audit.js';
import { sweepRetired, updateClaim, type ReadClaim } from '../title/claim.js';
import { deletionHeld, type ManifestTrust } from './evidence.js';
import { ownership, type Ownership } from './ownership.js';
import { retentionOfCopies } from './retention.js';
import { entryPointFrom, entryPointNames, type EntryPoint } from '../title/entry-points.js';
import { auditDestination, type ExpectedObject } from './audit.js';

export interface TitleAuditOptions {
  destination: Destination;
  role: 'origin' | 'archive';
  manifest: Manifest;
  /** The local package folder, when it still exists (needed for repair and multipart ETags). */
  packageDir?: string;
  /**
   * The master on this machine (the job's source; else where the archive's claim says it was read
   * from): the archive's copy is checked against it and re-uploaded from it. The manifest names only
   * the master's file name (it is public at the origin).
   */
  masterPath?: string;
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
  /**
   * A DRM title's keys as the station holds them (verify/package-keys.ts): a deep audit at the
   * origin then decrypts and decodes what the store holds (audit/drm-audit.ts; needs ffprobePath).
   */
  /** The station's keys for a DRM title's key IDs, asked under the version the audit proved it owns (a SPEKE content ID). */
  drmKeys?: (kids: string[], version: string) => Promise<PackageKeys | undefined>;
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
  /**
   * How far the manifest can be trusted (audit/evidence.ts); absent: it is the caller's own (a local
   * package, the operator's file). Only a confirmed manifest lets a repair delete anything.
   */
  trust?: ManifestTrust['state'];
  /** The manifest's own bytes when there is no local package (what the store's copy must equal). */
  manifestText?: Buffer;
  /** The operator confirmed deletions a repair would otherwise hold back (`--confirm-deletes`). */
  confirmDeletes?: boolean;
  /** The title's other stores: a retired version is removed only when none of them calls it live. */
  peers?: Destination[];
  /** The archive: extend each copy's Object Lock retention that has less than half its term left. */
  extendRetention?: boolean;
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

/** The master on this machine, when it is there at the size the manifest records. */
async function localMaster(o: TitleAuditOptions): Promise<string | undefined> {
  if (!o.masterPath) return undefined;
  const size = await stat(o.masterPath).then(
    (s) => s.size,
    () => -1,
  );
  return size === o.manifest.source.size ? o.masterPath : undefined;
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
      const t = o.manifestText;
      // The copy the audit itself was read from — or, when that one disagreed with the record, the one it must equal.
      out.push({
        key: versionKey(o.titleId, version, MANIFEST_FILE),
        ...(t ? { size: t.length, etag: md5(t), sha256: createHash('sha256').update(t).digest('hex') } : {}),
      });
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
  const keys = archiveKeys(o.titleId, version, sourceName(o.manifest));
  const master = await localMaster(o);
  out.push({
    key: keys.source,
    size: o.manifest.source.size,
    ...(master
      ? {
          etagFor: (stored: string) =>
            o.destination.expectedEtag(new FileSource(master), o.manifest.source.size, undefined, stored),
        }
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
    `The local package of "${o.manifest.title}" is not whole and no archive was given to repair the origin from. ` +
      `Audit with the archive configured (the station reads the damaged chunks back from the archived package tar), ` +
      `or re-transcode the title from its master (${o.masterPath ?? sourceName(o.manifest)}).`,
    'package-missing',
  );
}

/** The local package is whole: its manifest, and every file it lists at its size (verified again before use). */
async function packageWhole(o: TitleAuditOptions): Promise<boolean> {
  if (!o.packageDir || !(await exists(join(o.packageDir, MANIFEST_FILE)))) return false;
  for (const f of o.manifest.files) {
    const size = await stat(join(o.packageDir, ...f.path.split('/'))).then(
      (st) => st.size,
      () => -1,
    );
    if (size !== f.size) return false;
  }
  return true;
}

type Repaired = NonNullable<AuditRecord['repaired']> & {
  waiting?: RestoreState;
  rebuilding?: NonNullable<AuditRecord['rebuild']>;
};

/**
 * The origin's wrong package files, from the first source that can give them back: the local
 * package when it is whole (verified again first), else the archive's package tar by ranged reads
 * (restored first where its class needs it: the title then waits), else the archived master,
 * transcoded again as a replacement. Says which it used.
 */
async function repairOriginData(o: TitleAuditOptions, version: string, paths: string[]): Promise<Repaired> {
  if (await packageWhole(o)) {
    if (o.ffprobePath)
      assertVerified(
        await verifyPackage({
          packageDir: o.packageDir!,
          ffprobePath: o.ffprobePath,
          mode: 'check',
          ...(o.keys ? { keys: o.keys } : {}),
          ...(o.signal ? { signal: o.signal } : {}),
        }),
      );
    const want = new Set(paths);
    // The upload's own code: data before the playlists that name it, through the shared pool.
    const repaired = await uploadPackage({
      destination: o.destination,
      packageDir: o.packageDir!,
      manifest: o.manifest,
      keyPrefix: `${o.titleId}/${version}`,
      only: (path) => want.has(path),
      force: true,
      ...(o.pool ? { pool: o.pool } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    return { uploaded: repaired.map((u) => u.key), deleted: [], source: 'local package' };
  }
  if (!o.archive) throw missingPackage(o);
  const r = await repairFromArchive({
    archive: o.archive,
    origin: o.destination,
    titleId: o.titleId,
    version,
    manifest: o.manifest,
    paths,
    restore: o.restore ?? { tier: 'Standard', days: 7 },
    ...(o.pool ? { pool: o.pool } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  }).catch(async (err: unknown) => {
    // No tar to read from: the archived master, transcoded again, is the way back.
    if (!(err instanceof ArchiveTarMissing && err.masterThere && o.rebuild)) throw err;
    const rebuild = await o.rebuild({
      titleId: o.titleId,
      version,
      masterKey: err.masterKey,
      manifest: o.manifest,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    return { state: 'rebuild' as const, rebuild, masterKey: err.masterKey };
  });
  const none = { uploaded: [], deleted: [] };
  if (r.state === 'waiting') return { ...none, waiting: r.restore, source: 'archive tar' };
  if (r.state === 'rebuild')
    return r.rebuild.state === 'waiting'
      ? { ...none, waiting: r.rebuild.restore, source: 'archived master' }
      : {
          ...none,
          rebuilding: { jobId: r.rebuild.jobId, masterKey: r.masterKey, detail: r.rebuild.detail },
          source: 'archived master',
        };
  return {
    ...none,
    uploaded: r.uploaded,
    fromArchive: { bytesRead: r.bytesRead, bytesRepaired: r.bytesRepaired, requests: r.requests },
    source: 'archive tar',
  };
}

/** The public entry points that are wrong, rebuilt from the version's own playlists. */
async function repairEntryPoints(o: TitleAuditOptions, version: string, wrong: Set<string>): Promise<string[]> {
  const uploaded: string[] = [];
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
  return uploaded;
}

/** The archive's master (from the master on this machine) and package tar (from the whole local package). */
async function repairArchive(o: TitleAuditOptions, version: string, wrong: Set<string>): Promise<string[]> {
  const uploaded: string[] = [];
  const keys = archiveKeys(o.titleId, version, sourceName(o.manifest));
  if (wrong.has(keys.source)) {
    const master = await localMaster(o);
    if (!master)
      throw new StationError(
        `The master ${o.masterPath ?? sourceName(o.manifest)} is not on this machine: the archive copy of it cannot be re-uploaded`,
        'source-missing',
      );
    const d = await hashFile(master, o.signal);
    await o.destination.put({
      localPath: master,
      key: keys.source,
      size: d.size,
      md5: d.md5,
      force: true,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    uploaded.push(keys.source);
  }
  // Without the whole local package the tar cannot be made again; it stands as a problem (the origin's
  // repair transcodes the archived master again, and the new version brings its own tar).
  if (wrong.has(keys.tar) && (await packageWhole(o))) {
    await o.destination.putSource({
      source: await packageTar(o.packageDir!, o.manifest, o.titleId),
      key: keys.tar,
      contentType: 'application/x-tar',
      force: true,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    uploaded.push(keys.tar);
  }
  return uploaded;
}

/** The claim put back at a store that lost it, from the archive's (only where there is none now). */
async function restoreClaim(o: TitleAuditOptions, claim: TitleClaim): Promise<void> {
  await updateClaim(
    o.destination,
    o.titleId,
    { jobId: 'audit' },
    async (read) => (read ? { result: undefined } : { write: claim, result: undefined }),
    o.signal,
  );
}

async function repair(o: TitleAuditOptions, own: Owned, first: AuditRecord): Promise<Repaired> {
  const { version } = own;
  // Objects to put back (a retention that runs short is extended, never fixed by uploading again).
  const wrong = new Set(
    first.problems.filter((p) => p.problem !== 'unexpected' && p.problem !== 'retention').map((p) => p.key),
  );
  const versionPrefix = `${o.titleId}/${version}/`;
  const paths = [...wrong].filter((k) => k.startsWith(versionPrefix)).map((k) => k.slice(versionPrefix.length));
  // The claim first: every later step (and a later audit) reads it.
  if (own.restoredFrom && wrong.has(claimKey(o.titleId))) await restoreClaim(o, own.claim);
  let data: Repaired = { uploaded: [], deleted: [] };
  if (o.role === 'origin' && paths.length) {
    data = await repairOriginData(o, version, paths);
    if (data.waiting || data.rebuilding) return data;
  }
  const uploaded = [
    ...(own.restoredFrom && wrong.has(claimKey(o.titleId)) ? [claimKey(o.titleId)] : []),
    ...data.uploaded,
    ...(o.role === 'origin' ? await repairEntryPoints(o, version, wrong) : await repairArchive(o, version, wrong)),
  ];
  // Only under a prefix whose claim is this title's (the audit ran with ownership proven), and only
  // what the evidence lets the station delete without the operator.
  const unexpected = first.problems.filter((p) => p.problem === 'unexpected').map((p) => p.key);
  const held = deletionHeld({
    keys: unexpected,
    titleId: o.titleId,
    version,
    versionObjects: o.manifest.files.length + 1,
    trust: own.restoredFrom ? 'unconfirmed' : (o.trust ?? 'confirmed'),
    ...(o.confirmDeletes ? { confirmed: true } : {}),
  });
  const deleted: string[] = [];
  for (const key of held ? [] : unexpected) {
    const r = await o.destination.delete(key, o.signal);
    if (r.outcome !== 'refused') deleted.push(key);
  }
  const swept = await sweepRetired(o.destination, o.titleId, o.retireGraceMs ?? 0, {
    ...(o.peers ? { peers: o.peers } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const note = [held, ...swept.kept.map((k) => `${k.version} kept: ${k.why}`)].filter(Boolean).join('; ');
  return {
    uploaded,
    deleted,
    ...(data.fromArchive ? { fromArchive: data.fromArchive } : {}),
    ...(data.source ? { source: data.source } : {}),
    ...(note ? { held: note } : {}),
  };
}

type Owned = Extract<Ownership, { owned: true }>;

/**
 * The last record of a deep audit of a DRM title at the origin, proven through the keys too (or
 * saying it was proven by hash only). After any repair, so a finding here never drives one: bytes
 * that match the manifest yet do not open are not put right by the same bytes again.
 */
async function throughDrmKeys(o: TitleAuditOptions, version: string, record: AuditRecord): Promise<AuditRecord> {
  const drm =
    o.deep === true && o.role === 'origin' && o.ffprobePath
      ? await auditDrmThroughKeys({
          destination: o.destination,
          titleId: o.titleId,
          version,
          manifest: o.manifest,
          ffprobePath: o.ffprobePath,
          keys: (kids) => o.drmKeys?.(kids, version) ?? Promise.resolve(undefined),
          ...(o.signal ? { signal: o.signal } : {}),
        })
      : undefined;
  if (!drm && o.deep !== undefined && drmOf(o.manifest))
    return {
      ...record,
      version,
      drm: {
        provenBy: 'hash',
        segmentsDecoded: 0,
        detail: `a DRM title proven by size and hash only: ${o.deep === true ? 'no decoder was given' : 'a sampled audit does not decode through the keys'}`,
      },
    };
  if (!drm) return { ...record, version };
  return { ...record, version, problems: [...record.problems, ...drm.problems], drm: drm.drm };
}

/** Audit (and optionally repair, then audit again). Returns one record, or two after a repair. */
export async function auditTitle(opts: TitleAuditOptions): Promise<AuditRecord[]> {
  const own = await ownership(opts);
  if (!own.owned) {
    // Not provably this title's: say so and touch nothing.
    return [
      {
        at: new Date().toISOString(),
        destination: opts.destination.name,
        prefix: opts.titleId,
        objectsExpected: 0,
        objectsListed: 0,
        deepChecked: 0,
        problems: [own.problem],
        seconds: 0,
      },
    ];
  }
  // The archive's claim keeps where the master was read from (the origin's never does).
  const recorded = own.claim.current?.master.path;
  const o = opts.masterPath || !recorded ? opts : { ...opts, masterPath: recorded };
  const others = [...new Set([own.claim.pending?.version, ...own.claim.retired.map((r) => r.version)])].filter(
    (v): v is string => !!v && v !== own.version,
  );
  const keys = archiveKeys(o.titleId, own.version, sourceName(o.manifest));
  const run = async (): Promise<AuditRecord> => {
    const record = await auditDestination({
      destination: o.destination,
      prefix: o.titleId,
      expected: await expectedObjects(o, own.version),
      ignorePrefixes: others.map((v) => `${o.titleId}/${v}/`),
      ...(o.storageClass ? { storageClass: o.storageClass } : {}),
      ...(o.deep !== undefined ? { deep: o.deep } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    if (o.role !== 'archive') return record;
    // Each archive copy's Object Lock retention, as the store holds it.
    const held = await retentionOfCopies(o.destination, [keys.source, keys.tar, claimKey(o.titleId)], {
      ...(o.extendRetention ? { extend: true } : {}),
    });
    return { ...record, problems: [...record.problems, ...held.problems], retention: held.retention };
  };
  const first = await run();
  if (!o.repair || first.problems.length === 0) return [await throughDrmKeys(o, own.version, first)];
  const { waiting, rebuilding, ...repaired } = await repair(o, own, first);
  // Waiting for the archive's restore, or for the title transcoded again: the problems stand, and the record says why.
  if (waiting) return [{ ...first, version: own.version, restore: waiting }];
  if (rebuilding) return [{ ...first, version: own.version, rebuild: rebuilding }];
  const second = await run();
  return [{ ...first, version: own.version }, await throughDrmKeys(o, own.version, { ...second, repaired })];
}
