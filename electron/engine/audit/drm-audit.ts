/**
 * A deep audit of a DRM title at the origin, through its keys: what the store holds is opened the
 * way a viewer's player opens it — every encrypted segment decrypted with the key of its key ID
 * behind its rendition's init, checked against the clear bytes the manifest records, and decoded
 * frame by frame (verify/drm-proof.ts, verify/decode-check.ts reading objects, not files). Without
 * the keys, or in a sampled audit, the record says the title was proven by size and hash only.
 */
import { posix } from 'node:path';
import type { AuditProblem, AuditRecord, Manifest, PackageProblem } from '../../common/manifest.js';
import { versionKey } from '../../common/title.js';
import type { Destination } from '../destinations/destination.js';
import { decodeCheckRendition } from '../verify/decode-check.js';
import { drmOf, drmReader, missingDrmKeys, proveClearBytes } from '../verify/drm-proof.js';
import type { PackageKeys } from '../verify/package-keys.js';
import { DrmError } from '../drm/keys.js';
import type { Rendition } from '../verify/playlists.js';

export interface DrmAuditOptions {
  destination: Destination;
  titleId: string;
  version: string;
  manifest: Manifest;
  ffprobePath: string;
  /** The station's keys for the title's key IDs; undefined: it has none (proven by hash only). */
  keys: (kids: string[]) => Promise<PackageKeys | undefined>;
  signal?: AbortSignal;
}

export type DrmAudit = NonNullable<AuditRecord['drm']>;

const asAudit = (titleId: string, version: string, p: PackageProblem): AuditProblem => ({
  key: versionKey(titleId, version, p.file),
  problem: 'content-mismatch',
  detail: `${p.problem}: ${p.detail}`,
});

/** The manifest's audio and video renditions as the decoder takes them: init, then segments in order. */
function renditionsOf(manifest: Manifest): Rendition[] {
  const kindOf = new Map(
    (manifest.renditions ?? []).map((r) => [posix.dirname(r.playlist), r.type === 'audio' ? 'audio' : 'video']),
  );
  const out: Rendition[] = [];
  for (const init of manifest.files.filter((f) => f.kind === 'init-segment' && f.rendition !== undefined)) {
    const segments = manifest.files
      .filter((f) => f.kind === 'segment' && f.rendition === init.rendition)
      .sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }))
      .map((f) => ({ path: f.path, durationSec: f.durationSec ?? 0, size: f.size }));
    const targetDuration = Math.round(Math.max(0, ...segments.map((s) => s.durationSec)));
    const kind = (kindOf.get(init.rendition!) ?? 'video') as 'audio' | 'video';
    out.push({ name: init.rendition!, playlist: '', kind, init: init.path, targetDuration, segments });
  }
  return out;
}

/** Decrypt, check the clear bytes of, and decode every encrypted segment the store holds for this title. */
export async function auditDrmThroughKeys(
  o: DrmAuditOptions,
): Promise<{ problems: AuditProblem[]; drm: DrmAudit } | undefined> {
  const drm = drmOf(o.manifest);
  if (!drm) return undefined;
  const kids = [...new Set(drm.keys.map((k) => k.kid))];
  const byHash = (why: string, problems: AuditProblem[] = []): { problems: AuditProblem[]; drm: DrmAudit } => ({
    problems,
    drm: {
      provenBy: 'hash',
      segmentsDecoded: 0,
      detail: `a DRM title (${drm.scheme}) proven by size and hash only: ${why}`,
    },
  });
  let keys: PackageKeys | undefined;
  try {
    keys = await o.keys(kids);
  } catch (err) {
    // The provider unreachable, a seal that does not open: the title is not at fault, and the other titles still get their audit.
    if (!(err instanceof DrmError)) throw err;
    return byHash(`its keys could not be had (${err.message}); audit again once they can`);
  }
  if (!keys)
    return byHash('this station holds none of its keys (give the station its key provider to decode through them)');
  // Some of its keys but not all: a key the title was encrypted with is lost (or the provider left it out) — a finding.
  const missing = missingDrmKeys(o.manifest, keys);
  if (missing) return byHash(missing.detail, [asAudit(o.titleId, o.version, missing)]);
  const source = async (path: string): Promise<Uint8Array> => {
    const got = await o.destination.getObject(versionKey(o.titleId, o.version, path), o.signal);
    if (!got) throw new Error(`${path} is not at ${o.destination.name}`);
    return got.body;
  };
  const read = drmReader(o.manifest, keys, source);
  const proof = await proveClearBytes(o.manifest, keys, source, read);
  const problems = proof.problems.map((p) => asAudit(o.titleId, o.version, p));
  let decoded = 0;
  if (!proof.wrongKey)
    for (const r of renditionsOf(o.manifest)) {
      const d = await decodeCheckRendition(r, {
        ffprobePath: o.ffprobePath,
        packageDir: '',
        read,
        ...(o.signal ? { signal: o.signal } : {}),
      });
      problems.push(...d.problems.map((p) => asAudit(o.titleId, o.version, p)));
      decoded += d.byPath.size;
    }
  return {
    problems,
    drm: {
      provenBy: 'keys',
      segmentsDecoded: decoded,
      detail: `${proof.decrypted} encrypted objects decrypted to their recorded clear bytes with key IDs ${kids.join(', ')} from ${keys.source}; ${decoded} segments decoded`,
    },
  };
}
