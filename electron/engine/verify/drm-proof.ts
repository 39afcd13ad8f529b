/**
 * Proving a DRM (CENC, cbcs or cenc) package through its keys, as a viewer's player would open it:
 * every encrypted segment decrypted with the key of its key ID (drm/cenc.ts, the encryptor's own
 * inverse) behind its rendition's init segment turned back to clear, the result hashed against the
 * clear bytes the manifest records, and then decoded frame by frame (verify/decode-check.ts reads
 * through `drmReader`). A key that opens none of its segments to their recorded bytes is named as
 * the wrong key (its key ID, never its bytes); a single segment that does not is named as altered.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, type Manifest, type ManifestFile, type PackageProblem } from '../../common/manifest.js';
import { decryptFragment, unprotectInit } from '../drm/cenc.js';
import { errorMessage } from '../util/errors.js';
import type { ChunkReader } from './decode-check.js';
import type { PackageKeys } from './package-keys.js';

type Source = (path: string) => Promise<Uint8Array>;

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The manifest's DRM section, when the package is a CENC one. */
export function drmOf(m: Manifest | undefined) {
  return m?.encryption?.method === 'cenc' ? m.encryption : undefined;
}

/**
 * Bytes as a decoder must see them: an init segment turned back to clear, a segment decrypted with
 * the key of its key ID behind its rendition's protected init. `source` reads the package's bytes
 * (a folder's files, or a store's objects).
 */
export function drmReader(manifest: Manifest, keys: PackageKeys, source: Source): ChunkReader {
  // A rendition's segments open behind its (protected) init segment.
  const initOf = new Map<string, string>();
  const inits = new Set<string>();
  for (const f of manifest.files)
    if (f.kind === 'init-segment' && f.rendition !== undefined) {
      inits.add(f.path);
      initOf.set(f.rendition, f.path);
    }
  const byPath = new Map(manifest.files.map((f) => [f.path, f]));
  const protectedInits = new Map<string, Promise<Uint8Array>>();
  return async (path) => {
    const bytes = await source(path);
    if (inits.has(path)) return unprotectInit(bytes);
    const f = byPath.get(path);
    const init = f?.kind === 'segment' && f.rendition !== undefined ? initOf.get(f.rendition) : undefined;
    if (!init) return bytes;
    let p = protectedInits.get(init);
    if (!p) protectedInits.set(init, (p = source(init)));
    return decryptFragment(bytes, await p, (kid) => keys.keys.get(kid));
  };
}

/** Key IDs the manifest names that the keys given do not hold. */
export function missingDrmKeys(manifest: Manifest, keys: PackageKeys): PackageProblem | undefined {
  const drm = drmOf(manifest);
  if (!drm) return undefined;
  const kids = [...new Set(drm.keys.map((k) => k.kid))];
  const missing = kids.filter((kid) => !keys.keys.has(kid));
  if (!missing.length) return undefined;
  return {
    file: MANIFEST_FILE,
    problem: 'undecodable',
    detail: `the package is DRM-encrypted (${drm.scheme}) with ${kids.length} key${kids.length > 1 ? 's' : ''} and ${missing.length} of them ${missing.length > 1 ? 'are' : 'is'} not in ${keys.source} (first: key ID ${missing[0]}): give the package's own keys`,
  };
}

interface Opened {
  file: ManifestFile;
  clear?: string;
  error?: string;
}

/**
 * Every encrypted file whose bytes are the recorded ones, decrypted and hashed against the clear
 * bytes the manifest records. A key ID none of whose segments opens is one 'wrong-key' problem
 * (decoding through it would only repeat it); other files that do not open are named one by one.
 * Files whose encrypted bytes already differ are left to the hash comparison.
 */
export async function proveClearBytes(
  manifest: Manifest,
  keys: PackageKeys,
  source: Source,
  read: ChunkReader,
): Promise<{ problems: PackageProblem[]; wrongKey: boolean; decrypted: number }> {
  const byKid = new Map<string, Opened[]>();
  for (const f of manifest.files) {
    if (!f.clear || !f.keyId) continue;
    const raw = await source(f.path).catch(() => undefined);
    if (!raw || raw.length !== f.size || sha256(raw) !== f.sha256) continue;
    const opened: Opened = await read(f.path).then(
      (b) => ({ file: f, clear: sha256(b) }),
      (e: unknown) => ({ file: f, error: errorMessage(e) }),
    );
    byKid.set(f.keyId, [...(byKid.get(f.keyId) ?? []), opened]);
  }
  const problems: PackageProblem[] = [];
  let wrongKey = false;
  let decrypted = 0;
  for (const [kid, opened] of byKid) {
    const segments = opened.filter((o) => o.file.kind === 'segment');
    const bad = opened.filter((o) => o.clear !== o.file.clear!.sha256);
    decrypted += segments.filter((o) => !bad.includes(o)).length;
    if (segments.length > 0 && segments.every((o) => bad.includes(o))) {
      wrongKey = true;
      problems.push({
        file: segments[0]!.file.path,
        problem: 'wrong-key',
        detail: `the key ${keys.source} gives for key ID ${kid} opens none of the ${segments.length} segment${segments.length > 1 ? 's' : ''} encrypted with it to the clear bytes the manifest records (first: ${segments[0]!.file.path}): it is not the key this package was encrypted with — give the package's own keys`,
      });
      continue;
    }
    for (const o of bad)
      problems.push({
        file: o.file.path,
        problem: o.error ? 'undecodable' : 'hash-mismatch',
        detail: o.error
          ? `does not decrypt with key ID ${kid}: ${o.error}`
          : `decrypted with key ID ${kid}, SHA-256 ${o.clear} differs from the clear bytes the manifest records (${o.file.clear!.sha256}): the segment was altered`,
      });
  }
  return { problems, wrongKey, decrypted };
}

/** A package folder's files as the DRM proof reads them. */
export const folderSource =
  (dir: string): Source =>
  (path) =>
    readFile(join(dir, path));
