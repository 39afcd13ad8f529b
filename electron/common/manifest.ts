/**
 * manifest.json: every output file of a package with its size and checksums. The single source of
 * truth for upload, audit and repair.
 */
import { z } from 'zod';

export const MANIFEST_SCHEMA_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
/** The package's master playlist, at its root. */
export const MASTER_PLAYLIST = 'master.m3u8';
/** The optional DASH manifest over the same CMAF segments. */
export const DASH_MANIFEST = 'manifest.mpd';
/** In a package folder the station made: the files it wrote there (it never deletes any other). */
export const PACKAGE_MARKER = '.ingest-station-package';

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`));

export const manifestFileSchema = z.object({
  /** Relative to the package root, always with forward slashes. */
  path: z.string().min(1),
  size: z.number().int().nonnegative(),
  md5: hex(32),
  sha256: hex(64),
  /** Rendition name (e.g. "720p", "audio"); absent for package-level files like master.m3u8. */
  rendition: z.string().optional(),
  kind: z.enum([
    'master-playlist',
    'media-playlist',
    'iframe-playlist',
    'init-segment',
    'segment',
    'subtitle-track',
    'dash-manifest',
    // Trick play (engine/trickplay/): JPEG sheets of thumbnails, their HLS image playlist, their WebVTT track.
    'thumbnail-sheet',
    'image-playlist',
    'thumbnail-track',
  ]),
  durationSec: z.number().nonnegative().optional(),
  /** An encrypted segment: the bytes before encryption (what verify decoded), the key's id and the IV. */
  clear: z.object({ size: z.number().int().nonnegative(), sha256: hex(64) }).optional(),
  keyId: z.string().optional(),
  iv: hex(32).optional(),
});

/** What a package offers a player, for the UI, the QC player and the report. */
export const manifestRenditionSchema = z.object({
  type: z.enum(['video', 'audio', 'subtitles']),
  name: z.string(),
  /** Its media playlist, package-relative. */
  playlist: z.string(),
  language: z.string().optional(),
  label: z.string().optional(),
  codec: z.string().optional(),
  group: z.string().optional(),
  channels: z.number().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  kbps: z.number().optional(),
  default: z.boolean().optional(),
  forced: z.boolean().optional(),
  sdh: z.boolean().optional(),
  describesVideo: z.boolean().optional(),
});
export type ManifestRendition = z.infer<typeof manifestRenditionSchema>;

export const sourceFingerprintSchema = z.object({
  /**
   * The master's file name. The manifest travels to the origin, public behind the CDN: it names the
   * master, never where it lives (the local path stays on the station and in the archive's claim).
   */
  name: z.string().optional(),
  /** Manifests written before: the master's local path. Never written now. */
  path: z.string().optional(),
  size: z.number().int().nonnegative(),
  mtimeMs: z.number(),
  /** SHA-256 of the first and last MiB: recognises the same master without reading 500 GB. */
  headTailSha256: hex(64).optional(),
});

export const manifestSchema = z.object({
  schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
  title: z.string(),
  /** The prefix the title owns at the stores (see common/title.ts); absent in packages made offline. */
  titleId: z.string().optional(),
  /** The job that made the package: the owner of its claims at the stores. */
  jobId: z.string().optional(),
  createdAt: z.string(),
  source: sourceFingerprintSchema.extend({ durationSec: z.number().nonnegative() }),
  /** Probe summary of the master: enough to recognise it and to check durations later. */
  probe: z.object({ container: z.string(), video: z.string().optional(), audio: z.string().optional() }).optional(),
  ladder: z
    .array(z.object({ name: z.string(), width: z.number(), height: z.number(), videoKbps: z.number() }))
    .optional(),
  encoder: z.string(),
  segmentSeconds: z.number().optional(),
  renditions: z.array(manifestRenditionSchema).optional(),
  /**
   * AES-128: the key URI template and the ids of the keys; cenc (Studio DRM): the scheme, the DRM
   * systems signalled and each key ID with the track type it protects. The keys themselves never travel.
   */
  encryption: z
    .discriminatedUnion('method', [
      z.object({ method: z.literal('AES-128'), keyUri: z.string(), keyIds: z.array(z.string()) }),
      z.object({
        method: z.literal('cenc'),
        scheme: z.enum(['cbcs', 'cenc']),
        systems: z.array(z.enum(['widevine', 'playready', 'fairplay'])),
        keys: z.array(
          z.object({ kid: z.string(), trackType: z.enum(['audio', 'sd', 'hd', 'all']), period: z.number().int() }),
        ),
        clearLead: z.number().int().optional(),
        rotateEvery: z.number().int().optional(),
      }),
    ])
    .optional(),
  files: z.array(manifestFileSchema),
});

export type ManifestFile = z.infer<typeof manifestFileSchema>;

/** The master's file name as a manifest records it (older manifests: the last segment of its path). */
export function sourceName(m: { source: { name?: string | undefined; path?: string | undefined } }): string {
  return m.source.name ?? m.source.path?.split(/[\\/]/).pop() ?? 'master';
}
export type SourceFingerprint = z.infer<typeof sourceFingerprintSchema>;
export type Manifest = z.infer<typeof manifestSchema>;

/** A chunk a viewer's player fetches (not a playlist, not an init segment): the cells of a chunk map, the audit's samples. */
export function isMediaSegment(f: { kind: string }): boolean {
  return f.kind === 'segment';
}

/** Problems verification can name: one stable code per kind of damage. */
export const PACKAGE_PROBLEMS = [
  'missing',
  'empty',
  'unparsable',
  'outside-package',
  'stray',
  'extinf-over-target',
  'sequence-gap',
  'duration-mismatch',
  'misaligned',
  'timestamp-gap',
  'no-keyframe-start',
  'frames-missing',
  'undecodable',
  'decode-error',
  'hash-mismatch',
  'size-mismatch',
  'not-in-manifest',
  'manifest-invalid',
  'manifest-tampered',
  /** A DRM package's segments do not decrypt to their recorded clear bytes with the key given for their key ID. */
  'wrong-key',
] as const;
export type PackageProblemCode = (typeof PACKAGE_PROBLEMS)[number];

export interface PackageProblem {
  /** Package-relative path of the file at fault (or the playlist that names it). */
  file: string;
  problem: PackageProblemCode;
  detail: string;
}

/** What an audit can find wrong at a destination, per object. */
export const AUDIT_PROBLEMS = [
  'missing',
  'unexpected',
  'size-mismatch',
  'etag-mismatch',
  'content-mismatch',
  'wrong-storage-class',
  /** The prefix's claim is not this title's (another master, or not an Ingest Station claim): nothing is touched. */
  'claimed-by-other',
  /** This manifest's version is not the live one (replaced, or never committed): nothing is touched. */
  'not-live',
  /** Through the origin's public URL (the viewers' door): not served, or served with other bytes. */
  'viewers-missing',
  'viewers-mismatch',
  /** The manifest read back from the store disagrees with what the station or the archive recorded. */
  'manifest-disagrees',
  /** The claims contradict each other (a version called retired here is live there, or in the same claim). */
  'claim-disagrees',
  /** Object Lock: a copy at the archive without the retention the destination asks for, or about to run out. */
  'retention',
] as const;
export type AuditProblemCode = (typeof AUDIT_PROBLEMS)[number];

export interface AuditProblem {
  /** Key relative to the destination root (prefix excluded). */
  key: string;
  problem: AuditProblemCode;
  detail: string;
}

/** One audit of one title at one destination, kept with the title and shown in its report. */
export interface AuditRecord {
  at: string;
  destination: string;
  /** Title key prefix that was listed (the title ID). */
  prefix: string;
  /** The version audited (its folder under the prefix). */
  version?: string;
  objectsExpected: number;
  objectsListed: number;
  /** Objects downloaded and hashed (deep audits). */
  deepChecked: number;
  problems: AuditProblem[];
  /** What a repair did (re-uploaded / deleted keys), when this audit followed one. */
  repaired?: {
    uploaded: string[];
    deleted: string[];
    /** Repaired from the archive's package tar by ranged reads: what was read and what was written. */
    fromArchive?: { bytesRead: number; bytesRepaired: number; requests: number };
    /** Deletions the repair did not make without the operator (see audit/evidence.ts), in a sentence. */
    held?: string;
    /** Where the repair's bytes came from: the local package, the archive's tar, or the archived master. */
    source?: 'local package' | 'archive tar' | 'archived master';
  };
  /** The repair waits for the archive copy to be restored (a later audit finishes it). */
  restore?: RestoreState;
  /** The package tar was gone: the archived master is being transcoded again as a replacement. */
  rebuild?: { jobId: string; masterKey: string; detail: string };
  /**
   * The archive under Object Lock: each copy's retention as the store holds it (mode and
   * retain-until; none: not locked), and the copies whose retention this audit extended.
   */
  retention?: { key: string; mode?: 'GOVERNANCE' | 'COMPLIANCE'; until?: string; extended?: boolean }[];
  /** Through the viewers' door (the origin's public URL): what was fetched and compared. */
  viewers?: { baseUrl: string; playlists: number; chunks: number; chunksTotal: number; bytes: number };
  /**
   * A deep audit of a DRM title at the origin: proven through its keys (every encrypted segment
   * decrypted, its clear bytes checked, every frame decoded), or by size and hash only — and why.
   */
  drm?: { provenBy: 'keys' | 'hash'; segmentsDecoded: number; detail: string };
  seconds: number;
}

/** An archived object being restored so a repair can read it back. */
export interface RestoreState {
  /** Archive key (the package tar). */
  key: string;
  destination: string;
  storageClass: string;
  tier: 'Expedited' | 'Standard' | 'Bulk';
  /** When this station asked (ISO); empty when it found a restore already under way. */
  requestedAt: string;
  /** For the operator: wait and cost. */
  detail: string;
}
