/**
 * Proving a package from its playlists: the whole-package verification behind `ingest-station
 * verify`, the repair's check of a local copy, and packages made by anything else.
 *   1. structure (verify/playlists.ts): playlists, references, strays, EXTINF, sequence, durations;
 *   2. decode (verify/decode-check.ts): every segment of every audio and video rendition, renditions
 *      in parallel up to the core count (an encrypted segment is decrypted with the station's key),
 *      and video rungs cut at the same instants;
 *   3. hashes: MD5 + SHA-256 of every file, in the same pass.
 * mode 'write' then writes manifest.json atomically (only for a clean package); mode 'check'
 * compares every file with an existing manifest — the only check that catches every bit flip —
 * and, given the manifest's SHA-256 from the report, detects a manifest edited by hand.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import {
  MANIFEST_FILE,
  MANIFEST_SCHEMA_VERSION,
  manifestSchema,
  type Manifest,
  type ManifestFile,
  type PackageProblem,
} from '../../common/manifest.js';
import { describeZodError } from '../../common/config.js';
import { VerificationError } from '../util/errors.js';
import { hashFile } from '../util/hash-file.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { inspectPackage, type PackageStructure, type Rendition } from './playlists.js';
import { checkAlignment, decodeCheckRendition, type ChunkReader, type RenditionDecodeResult } from './decode-check.js';
import { decryptSegment, type KeyStore } from '../package/encryption.js';
import { drmOf, drmReader, folderSource, missingDrmKeys, proveClearBytes } from './drm-proof.js';
import type { PackageKeys } from './package-keys.js';

export type ManifestInfo = Omit<Manifest, 'schemaVersion' | 'createdAt' | 'files'>;

export interface VerifyOptions {
  packageDir: string;
  ffprobePath: string;
  /** 'write' a new manifest.json (after transcode) or 'check' against the one in the package. */
  mode: 'write' | 'check';
  /** Required for 'write': what the manifest records besides the files. */
  info?: ManifestInfo;
  /** For 'check': the manifest's SHA-256 as recorded in the title's report. */
  expectedManifestSha256?: string;
  /** Source duration to compare the renditions with (from the manifest in 'check' mode). */
  sourceDurationSec?: number;
  /** Skip decoding (hash and structure only); decoding is on by default. */
  decode?: boolean;
  /** Where the station's content keys are (to decode an encrypted package). */
  keys?: KeyStore;
  /**
   * A DRM (CENC) package's keys for its key IDs (verify/package-keys.ts): each encrypted segment is
   * then decrypted and decoded. Undefined from it: no keys here (proven by hash only, and said so).
   */
  drmKeys?: (kids: string[]) => Promise<PackageKeys | undefined>;
  signal?: AbortSignal;
  /** Segments decoded so far / segments in the package. */
  onProgress?: (done: number, total: number) => void;
}

export interface VerifyResult {
  problems: PackageProblem[];
  segmentsChecked: number;
  filesHashed: number;
  manifest?: Manifest;
  manifestSha256?: string;
  /** What was not checked, and why (e.g. encrypted segments without their keys). */
  notes?: string[];
  /** A DRM package proven through its keys: files decrypted to their recorded clear bytes, the key IDs, whose keys. */
  decrypted?: { files: number; keyIds: string[]; source: string };
}

const sha256 = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

async function readManifest(
  dir: string,
  expectedSha256: string | undefined,
  problems: PackageProblem[],
): Promise<Manifest | undefined> {
  let raw: Buffer;
  try {
    raw = await readFile(join(dir, MANIFEST_FILE));
  } catch {
    problems.push({ file: MANIFEST_FILE, problem: 'missing', detail: 'the package has no manifest to check against' });
    return undefined;
  }
  if (expectedSha256 && sha256(raw) !== expectedSha256) {
    problems.push({
      file: MANIFEST_FILE,
      problem: 'manifest-tampered',
      detail: `SHA-256 ${sha256(raw)} differs from the ${expectedSha256} recorded when it was written`,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    problems.push({ file: MANIFEST_FILE, problem: 'manifest-invalid', detail: `not JSON: ${(err as Error).message}` });
    return undefined;
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    problems.push({ file: MANIFEST_FILE, problem: 'manifest-invalid', detail: describeZodError(parsed.error) });
    return undefined;
  }
  return parsed.data;
}

/** The renditions to decode (subtitles are text: structure and hash), each also without its unusable files. */
function decodable(structure: PackageStructure) {
  const unusable = new Set(
    structure.problems.filter((p) => ['missing', 'empty', 'outside-package'].includes(p.problem)).map((p) => p.file),
  );
  // Decode what exists; alignment still compares the renditions as their playlists list them.
  const renditions = structure.renditions
    .filter((r) => r.kind !== 'subtitles')
    .map((full) => ({ full, usable: { ...full, segments: full.segments.filter((s) => !unusable.has(s.path)) } }));
  return { unusable, renditions };
}

type Decodable = ReturnType<typeof decodable>;

/** The problem of an AES-128 package whose keys are not all in the key store given, if so. */
async function missingAesKeys(aes: { keyIds: string[] }, keys: KeyStore): Promise<PackageProblem | undefined> {
  const missing = [];
  for (const id of aes.keyIds) if (!(await keys.find(id))) missing.push(id);
  if (!missing.length) return undefined;
  return {
    file: MANIFEST_FILE,
    problem: 'undecodable',
    detail: `the package is encrypted and ${missing.length} of its ${aes.keyIds.length} keys are not in ${keys.dir} (first: ${missing[0]})`,
  };
}

/** Every audio and video rendition decoded, renditions in parallel up to the core count. */
function decodeAll(
  opts: VerifyOptions,
  { unusable, renditions }: Decodable,
  read: ChunkReader | undefined,
): Promise<Array<{ rendition: Rendition; decode: RenditionDecodeResult }>> {
  const total = renditions.reduce((n, r) => n + r.usable.segments.length, 0);
  const done = new Map<string, number>();
  const report = (): void =>
    opts.onProgress?.(
      [...done.values()].reduce((a, b) => a + b, 0),
      total,
    );
  const decodeLimit = pLimit(Math.max(1, availableParallelism()));
  return Promise.all(
    renditions
      .filter(({ usable: r }) => !(r.init && unusable.has(r.init)) && r.segments.length > 0)
      .map(({ full, usable: r }) =>
        decodeLimit(async () => ({
          rendition: full,
          decode: await decodeCheckRendition(r, {
            ffprobePath: opts.ffprobePath,
            packageDir: opts.packageDir,
            ...(read ? { read } : {}),
            ...(opts.signal ? { signal: opts.signal } : {}),
            onProgress: (n) => {
              done.set(r.name, n);
              report();
            },
          }),
        })),
      ),
  );
}

/** MD5 + SHA-256 of every usable file of the package, sorted by path. */
async function hashAll(
  opts: VerifyOptions,
  structure: PackageStructure,
  unusable: Set<string>,
): Promise<ManifestFile[]> {
  const hashLimit = pLimit(4);
  const files = await Promise.all(
    structure.entries
      .filter((e) => !unusable.has(e.path))
      .map((e) =>
        hashLimit(async (): Promise<ManifestFile> => {
          const d = await hashFile(join(opts.packageDir, e.path), opts.signal);
          return { ...e, size: d.size, md5: d.md5, sha256: d.sha256 };
        }),
      ),
  );
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** One file against its manifest entry: size, hash and — decrypted, when the keys are here — its clear bytes. */
async function compareFile(
  f: ManifestFile,
  m: ManifestFile,
  read: ChunkReader | undefined,
): Promise<PackageProblem | undefined> {
  if (m.size !== f.size)
    return { file: f.path, problem: 'size-mismatch', detail: `${f.size} bytes; the manifest says ${m.size}` };
  if (m.sha256 !== f.sha256)
    return {
      file: f.path,
      problem: 'hash-mismatch',
      detail: `SHA-256 ${f.sha256} differs from the manifest's ${m.sha256}`,
    };
  if (!m.clear || !read) return undefined;
  // Encrypted: the bytes the origin holds match; the clear segment behind them must too.
  const clear = await read(f.path).then(
    (b) => createHash('sha256').update(b).digest('hex'),
    (e: Error) => `unreadable (${e.message})`,
  );
  if (clear === m.clear.sha256) return undefined;
  return {
    file: f.path,
    problem: 'hash-mismatch',
    detail: `decrypted, SHA-256 ${clear} differs from the clear segment's ${m.clear.sha256}`,
  };
}

/** Every file against the manifest: none extra, none missing, each the bytes it lists. */
async function compareWithManifest(
  existing: Manifest,
  files: ManifestFile[],
  read: ChunkReader | undefined,
  problems: PackageProblem[],
): Promise<void> {
  const expected = new Map(existing.files.map((f) => [f.path, f]));
  for (const f of files) {
    const m = expected.get(f.path);
    const problem = m
      ? await compareFile(f, m, read)
      : {
          file: f.path,
          problem: 'not-in-manifest' as const,
          detail: 'the package has this file; the manifest does not list it',
        };
    if (problem) problems.push(problem);
    expected.delete(f.path);
  }
  for (const m of expected.values()) {
    if (!problems.some((p) => p.file === m.path))
      problems.push({ file: m.path, problem: 'missing', detail: 'listed in the manifest but not in the package' });
  }
}

/** manifest.json for a clean package, written atomically; returns it with its SHA-256. */
async function writeManifest(
  opts: VerifyOptions,
  files: ManifestFile[],
): Promise<{ manifest: Manifest; sha256: string }> {
  if (!opts.info) throw new Error("verifyPackage: mode 'write' needs info");
  const manifest: Manifest = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    createdAt: new Date().toISOString(),
    ...opts.info,
    files,
  };
  const text = JSON.stringify(manifest, null, 2) + '\n';
  await writeFileAtomic(join(opts.packageDir, MANIFEST_FILE), text);
  return { manifest, sha256: sha256(text) };
}

/** How an encrypted package is read through its keys, or why it cannot be. */
interface Keyed {
  /** The decoder's reader (decrypting); absent: the package is clear, or its keys were not given. */
  read?: ChunkReader;
  /** For the manifest comparison's clear-bytes check (AES-128; a DRM package's is done by proveClearBytes). */
  clearRead?: ChunkReader;
  /** Problems that stop the check before decoding (keys missing, the wrong keys). */
  stop?: PackageProblem[];
  problems: PackageProblem[];
  notes: string[];
  decrypted?: VerifyResult['decrypted'];
}

/**
 * An encrypted segment is decoded through its key when the keys are given: AES-128 from the station's
 * key store, a DRM (CENC) package from a CPIX document or the station's sealed local keys. Without
 * them its bytes are still proven against the manifest, and the notes say what was not decoded.
 */
async function throughKeys(opts: VerifyOptions, existing: Manifest | undefined): Promise<Keyed> {
  const aes = existing?.encryption?.method === 'AES-128' ? existing.encryption : undefined;
  if (aes && opts.keys) {
    const noKey = await missingAesKeys(aes, opts.keys);
    if (noKey) return { stop: [noKey], problems: [], notes: [] };
    const read = decryptingReader(opts.packageDir, existing!, opts.keys);
    return { read, clearRead: read, problems: [], notes: [] };
  }
  const drm = drmOf(existing);
  const kids = [...new Set(drm?.keys.map((k) => k.kid))];
  const keys = drm ? await opts.drmKeys?.(kids) : undefined;
  if (drm && keys) {
    const noKey = missingDrmKeys(existing!, keys);
    if (noKey) return { stop: [noKey], problems: [], notes: [] };
    const source = folderSource(opts.packageDir);
    const read = drmReader(existing!, keys, source);
    const proof = await proveClearBytes(existing!, keys, source, read);
    if (proof.wrongKey) return { stop: proof.problems, problems: [], notes: [] };
    return {
      read,
      problems: proof.problems,
      notes: [],
      decrypted: { files: proof.decrypted, keyIds: kids, source: keys.source },
    };
  }
  if (!existing?.encryption) return { problems: [], notes: [] };
  return {
    problems: [],
    notes: [
      drm
        ? `the package is DRM-encrypted (${drm.scheme}) and no keys were given: it was proven by size and hash only, not decrypted or decoded`
        : 'the segments are encrypted and no keys were given: they were checked by size and hash, not decoded',
    ],
  };
}

export async function verifyPackage(opts: VerifyOptions): Promise<VerifyResult> {
  const problems: PackageProblem[] = [];
  const dir = opts.packageDir;
  const existing = opts.mode === 'check' ? await readManifest(dir, opts.expectedManifestSha256, problems) : undefined;
  const sourceDurationSec = opts.sourceDurationSec ?? existing?.source.durationSec ?? opts.info?.source.durationSec;
  const structure = await inspectPackage(dir, sourceDurationSec !== undefined ? { sourceDurationSec } : {});
  problems.push(...structure.problems);
  const usable = decodable(structure);
  const keyed = await throughKeys(opts, existing);
  if (keyed.stop) return { problems: keyed.stop, segmentsChecked: 0, filesHashed: 0, manifest: existing };
  problems.push(...keyed.problems);
  const { read, notes } = keyed;
  const encryptedUndecoded = !!existing?.encryption && !read;
  const decodes = opts.decode === false || encryptedUndecoded ? Promise.resolve([]) : decodeAll(opts, usable, read);
  const [decoded, files] = await Promise.all([decodes, hashAll(opts, structure, usable.unusable)]);
  for (const d of decoded) problems.push(...d.decode.problems);
  problems.push(...checkAlignment(decoded));
  if (existing) await compareWithManifest(existing, files, keyed.clearRead, problems);

  const total = usable.renditions.reduce((n, r) => n + r.usable.segments.length, 0);
  const result: VerifyResult = {
    problems,
    segmentsChecked: opts.decode === false || encryptedUndecoded ? 0 : total,
    filesHashed: files.length,
    ...(notes.length ? { notes } : {}),
    ...(keyed.decrypted ? { decrypted: keyed.decrypted } : {}),
  };
  if (existing) result.manifest = existing;
  if (opts.mode === 'write' && problems.length === 0) {
    const written = await writeManifest(opts, files);
    result.manifest = written.manifest;
    result.manifestSha256 = written.sha256;
  }
  return result;
}

/** A reader that decrypts each encrypted segment of the manifest with the station's key for it. */
function decryptingReader(dir: string, manifest: Manifest, keys: KeyStore): ChunkReader {
  const byPath = new Map(manifest.files.map((f) => [f.path, f]));
  return async (path) => {
    const bytes = await readFile(join(dir, path));
    const f = byPath.get(path);
    if (!f?.keyId || !f.iv) return bytes;
    const key = await keys.find(f.keyId);
    if (!key) throw new Error(`the key ${f.keyId} is not on this station`);
    return decryptSegment(bytes, key.key, f.iv);
  };
}

/** Throw a VerificationError naming every problem (or return quietly when there are none). */
export function assertVerified(result: VerifyResult): void {
  const n = result.problems.length;
  if (n === 0) return;
  const first = result.problems[0]!;
  throw new VerificationError(
    `Package failed verification: ${n} problem${n > 1 ? 's' : ''} (first: ${first.file} ${first.problem} — ${first.detail})`,
    result.problems,
  );
}
