/**
 * A title's identity at the stores. Every title owns one key prefix, its title ID: by default a
 * readable slug of the master's name that keeps Unicode letters, marks and digits (東京物語 stays
 * 東京物語), or the platform's own ID set by the operator. What a prefix holds is recorded at the
 * store in `<titleId>/title.json` — the claim: which master the prefix belongs to, which version is
 * live, which one is being delivered. Nothing under a prefix is overwritten or deleted unless its
 * claim is this title's own.
 *
 * Layout of one title at a destination (keys relative to the destination's root):
 *   <titleId>/title.json                      the claim (written first, committed last)
 *   <titleId>/master.m3u8, manifest.mpd       public entry points: the live version's, paths rewritten
 *   <titleId>/<version>/…                     one delivery: the package, or (archive) source/ + package.tar
 * A replacement writes a new version beside the live one, switches the entry points and the
 * claim, then retires the old version; a viewer's player never finds a playlist naming a chunk the
 * store lacks.
 */
import { z } from 'zod';

export const CLAIM_FILE = 'title.json';
const MAX_SLUG_GRAPHEMES = 80;

/** Characters a title ID may hold besides letters, marks and digits. */
const ID_PATTERN = /^[\p{L}\p{N}][\p{L}\p{M}\p{N}._-]*$/u;

const graphemes = (s: string): string[] =>
  [...new Intl.Segmenter('und', { granularity: 'grapheme' }).segment(s)].map((g) => g.segment);

/**
 * The default title ID of a master: its name in NFC, lower case, every run of characters that are
 * not letters, marks or digits replaced by one "-", at most 80 graphemes. Pure and stable: the same
 * name always gives the same slug (different masters with the same slug are told apart by the
 * claim at the store, see engine/title/claim.ts).
 */
export function slugTitle(name: string): string {
  const words = name
    .normalize('NFC')
    .toLowerCase()
    .normalize('NFC')
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, '-');
  // A mark cannot start an ID (it would attach to the "-" or "/" before it).
  const trimmed = words.replace(/^[-\p{M}]+|-+$/gu, '');
  const cut = graphemes(trimmed).slice(0, MAX_SLUG_GRAPHEMES).join('').replace(/-+$/, '');
  return cut || 'untitled';
}

/** An operator-set title ID (the platform's own ID): one path segment, letters/digits first. */
export const titleIdSchema = z
  .string()
  .transform((s) => s.normalize('NFC').trim())
  .pipe(
    z
      .string()
      .min(1, 'a title ID cannot be empty')
      .max(120, 'a title ID is at most 120 characters')
      .regex(
        ID_PATTERN,
        'a title ID starts with a letter or digit and holds only letters, digits, ".", "_" and "-" (no "/" or spaces)',
      ),
  );

export function isTitleId(s: string): boolean {
  return titleIdSchema.safeParse(s).success && s === s.normalize('NFC').trim();
}

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`));

/** What recognises a master without reading all of it: size and the SHA-256 of its first and last MiB. */
export const masterRefSchema = z.object({
  /** File name, for people ("master.mov"). */
  name: z.string(),
  size: z.number().int().nonnegative(),
  headTailSha256: hex(64),
  /** Where it was read from and by which station, for the sentence that names it in a conflict. */
  path: z.string().optional(),
  station: z.string().optional(),
});
export type MasterRef = z.infer<typeof masterRefSchema>;

type Identity = { size: number; headTailSha256?: string | undefined };

export function sameMaster(a: Identity, b: Identity): boolean {
  return a.size === b.size && !!a.headTailSha256 && a.headTailSha256 === b.headTailSha256;
}

/** A version folder name: "v" + UTC time + 4 hex (sortable, unique across stations racing). */
export const versionIdSchema = z.string().regex(/^v\d{8}T\d{6}Z-[0-9a-f]{4}$/, 'not a version id');

export function newVersionId(now: Date, random4hex: string): string {
  const iso = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `v${iso}-${random4hex}`;
}

const versionRefSchema = z.object({
  version: versionIdSchema,
  master: masterRefSchema,
  /** The job that delivers (or delivered) this version: its owner until it is committed. */
  jobId: z.string(),
  /**
   * The station (or farm) that owns the job: a random ID of its work folder (engine/util/station-id.ts),
   * nothing about the machine. Its own pending delivery is recognised by it after the job record is gone.
   */
  station: z.string().optional(),
  at: z.string(),
  /**
   * SHA-256 of the version's manifest.json, recorded at commit at every store: a manifest read back
   * from one store is trusted only when it matches what another store (or the station) recorded.
   */
  manifestSha256: hex(64).optional(),
});
export type VersionRef = z.infer<typeof versionRefSchema>;

export const titleClaimSchema = z.object({
  kind: z.literal('ingest-station-title'),
  schemaVersion: z.literal(1),
  titleId: z.string(),
  /** The live version: the public entry points are its. */
  current: versionRefSchema.optional(),
  /** A delivery in progress (the first one, or a replacement beside `current`). */
  pending: versionRefSchema.optional(),
  /** Versions replaced and waiting out their grace period before they are removed. */
  retired: z
    .array(
      versionRefSchema.extend({
        retiredAt: z.string(),
        /** The store would not let its objects go (a key without delete rights, Object Lock): left, with why. */
        left: z.string().optional(),
      }),
    )
    .default([]),
});
export type TitleClaim = z.infer<typeof titleClaimSchema>;

/** The claim's key. */
export function claimKey(titleId: string): string {
  return `${titleId}/${CLAIM_FILE}`;
}

/** The key of a file of one version: `<titleId>/<version>/<path>`. */
export function versionKey(titleId: string, version: string, path: string): string {
  return `${titleId}/${version}/${path}`;
}

/** Versions whose objects legitimately live under the prefix (nothing in them is "unexpected"). */
export function knownVersions(claim: TitleClaim): Set<string> {
  return new Set(
    [claim.current?.version, claim.pending?.version, ...claim.retired.map((r) => r.version)].filter(
      (v): v is string => !!v,
    ),
  );
}

/**
 * A file name safe as the last segment of an object key and on every file system: NFC, with
 * path separators, control and bidirectional-override characters replaced by "_".
 */
export function safeFileName(name: string): string {
  const cleaned = name
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex
    .replace(/[\\/\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '_')
    .trim();
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? 'master' : cleaned;
}

/** What the station decided about a title at its stores, kept on the job and shown to the operator. */
export interface TitleClaimSummary {
  titleId: string;
  /** The version folder this job delivers into. */
  version: string;
  /** Per destination name: what the claim found there. */
  destinations: Record<string, { mode: ClaimMode; replaced?: string; adopted?: string }>;
}

/**
 * new: the prefix was free and is now this title's; resume: this job's own delivery in progress;
 * delivered: the same master is already live there (nothing to send); replace: a new version
 * beside the live one, which is retired once the new one is committed.
 */
export type ClaimMode = 'new' | 'resume' | 'delivered' | 'replace';
