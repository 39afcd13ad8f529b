/**
 * Repair never deletes on the word of the store it repairs. Anyone with write access to a bucket
 * (or one corrupted write) can replace a title's `manifest.json` or edit its `title.json`; a
 * repair that believed them would become the tool that destroys the title. So:
 *
 * - A manifest read back from the store being audited is checked against what was recorded
 *   elsewhere: the station's own record of the version (its job, its chunk journal) or the
 *   manifest SHA-256 the *archive's* claim recorded at commit. Agreeing, it is `confirmed`;
 *   disagreeing, the archive's own copy (the package tar's first member, checked against that
 *   record) takes its place and the store's is reported — "manifest disagrees with the archive" —
 *   never "proven whole"; with nothing to check it against it stays `unconfirmed`, and a repair
 *   puts back what is missing but deletes nothing.
 * - Deleting what a manifest calls "unexpected" under the live version stops and asks the operator
 *   when it would take any playlist or more than a small share of the version's objects.
 */
import { createHash } from 'node:crypto';
import { MANIFEST_FILE, manifestSchema, type Manifest } from '../../common/manifest.js';
import { versionKey } from '../../common/title.js';
import type { Destination } from '../destinations/destination.js';
import { readClaim } from '../title/claim.js';
import { FIRST_HEADER_BYTES, firstMember, tarLayout } from '../transfer/tar-source.js';
import { errorMessage } from '../util/errors.js';

export type ManifestTrust =
  | { state: 'confirmed'; by: string }
  | { state: 'unconfirmed'; why: string }
  | { state: 'disagrees'; detail: string; replacement?: { manifest: Manifest; text: Buffer } };

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** The manifest inside the archive's package tar (its first member), or why it cannot be read now. */
export async function archivedManifest(
  archive: Destination,
  titleId: string,
  version: string,
  signal?: AbortSignal,
): Promise<{ text: Buffer } | { unreadable: string }> {
  const tar = versionKey(titleId, version, 'package.tar');
  try {
    const head = await archive.readRange(tar, 0, FIRST_HEADER_BYTES, signal);
    const first = firstMember(head);
    if (first.name !== `${titleId}/${MANIFEST_FILE}`)
      return { unreadable: `${archive.locate(tar)} starts with ${first.name}` };
    const r = tarLayout([{ name: first.name, size: first.size }]).get(first.name)!;
    return { text: await archive.readRange(tar, r.start, r.end, signal) };
  } catch (err) {
    return { unreadable: errorMessage(err) };
  }
}

/**
 * How far a manifest read back from a store can be trusted (see the module comment). `recorded`:
 * the SHA-256 the station itself recorded for this version (its job), when it has one.
 */
export async function manifestTrust(o: {
  text: Buffer;
  titleId: string;
  version: string;
  /** The store the manifest was read from (its own claim is no evidence for it). */
  store: Destination;
  archive?: Destination;
  recorded?: string;
  signal?: AbortSignal;
}): Promise<ManifestTrust> {
  const sha = sha256(o.text);
  let expected = o.recorded;
  let by = "the station's own record of the version";
  if (!expected && o.archive && o.archive !== o.store) {
    const read = await readClaim(o.archive, o.titleId, o.signal).catch(() => undefined);
    const ref = read?.claim.current?.version === o.version ? read.claim.current : undefined;
    if (ref?.manifestSha256) {
      expected = ref.manifestSha256;
      by = `the manifest SHA-256 the claim at ${o.archive.name} recorded`;
    }
  }
  if (!expected)
    return {
      state: 'unconfirmed',
      why: `nothing but ${o.store.name} itself vouches for its manifest of ${o.version} (no record of it at the station or the archive)`,
    };
  if (sha === expected) return { state: 'confirmed', by };
  const detail = `the manifest at ${o.store.name} (SHA-256 ${sha.slice(0, 12)}…) disagrees with ${by} (${expected.slice(0, 12)}…)`;
  if (!o.archive) return { state: 'disagrees', detail };
  const copy = await archivedManifest(o.archive, o.titleId, o.version, o.signal);
  if ('unreadable' in copy)
    return { state: 'disagrees', detail: `${detail}; the archive's copy cannot be read now (${copy.unreadable})` };
  if (sha256(copy.text) !== expected)
    return { state: 'disagrees', detail: `${detail}; the archive's copy disagrees with that record too` };
  try {
    const manifest = manifestSchema.parse(JSON.parse(copy.text.toString('utf8')));
    return {
      state: 'disagrees',
      detail: `${detail}: the archive's copy is used and put back`,
      replacement: { manifest, text: copy.text },
    };
  } catch (err) {
    return { state: 'disagrees', detail: `${detail}; the archive's copy does not parse (${errorMessage(err)})` };
  }
}

/** The share of a live version's objects a repair may delete without asking. */
export const DELETE_SHARE = 0.1;

/**
 * Whether a repair may delete these "unexpected" keys without asking: never a playlist or manifest
 * of the live version, never more than a small share of it, never on an unconfirmed manifest.
 * Returns why not, or undefined.
 */
export function deletionHeld(o: {
  keys: string[];
  titleId: string;
  version: string;
  versionObjects: number;
  trust: ManifestTrust['state'];
  confirmed?: boolean;
}): string | undefined {
  if (o.keys.length === 0 || o.confirmed) return undefined;
  const live = o.keys.filter((k) => k.startsWith(`${o.titleId}/${o.version}/`));
  const playlists = live.filter((k) => /\.(m3u8|mpd)$|\/manifest\.json$/.test(k));
  const why =
    o.trust !== 'confirmed'
      ? 'the manifest that calls them unexpected is not confirmed by the station or the archive'
      : playlists.length > 0
        ? `${playlists.length} of them are playlists of the live version (${playlists.slice(0, 2).join(', ')})`
        : live.length > Math.max(2, Math.floor(o.versionObjects * DELETE_SHARE))
          ? `that is ${live.length} of the live version's ${o.versionObjects} objects`
          : undefined;
  return why
    ? `stopped before deleting ${o.keys.length} object(s) the manifest does not list: ${why}. If they really do not belong, run the repair again with --confirm-deletes`
    : undefined;
}
