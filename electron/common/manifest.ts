/**
 * manifest.json: every output file of a package with its size and checksums. The single source of
 * truth for upload, audit and repair.
 */
import { z } from 'zod';

export const MANIFEST_SCHEMA_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
/** The package's master playlist, at its root. */
export const MASTER_PLAYLIST = 'master.m3u8';

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`));

export const manifestFileSchema = z.object({
  /** Relative to the package root, always with forward slashes. */
  path: z.string().min(1),
  size: z.number().int().nonnegative(),
  md5: hex(32),
  sha256: hex(64),
  /** Rendition name (e.g. "720p", "audio"); absent for package-level files like master.m3u8. */
  rendition: z.string().optional(),
  kind: z.enum(['master-playlist', 'media-playlist', 'init-segment', 'segment']),
  durationSec: z.number().nonnegative().optional(),
});

export const sourceFingerprintSchema = z.object({
  path: z.string(),
  size: z.number().int().nonnegative(),
  mtimeMs: z.number(),
  /** SHA-256 of the first and last MiB: recognises the same master without reading 500 GB. */
  headTailSha256: hex(64).optional(),
});

export const manifestSchema = z.object({
  schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
  title: z.string(),
  createdAt: z.string(),
  source: sourceFingerprintSchema.extend({ durationSec: z.number().nonnegative() }),
  /** Probe summary of the master: enough to recognise it and to check durations later. */
  probe: z
    .object({ container: z.string(), video: z.string().optional(), audio: z.string().optional() })
    .optional(),
  ladder: z.array(z.object({ name: z.string(), width: z.number(), height: z.number(), videoKbps: z.number() })).optional(),
  encoder: z.string(),
  segmentSeconds: z.number().optional(),
  files: z.array(manifestFileSchema),
});

export type ManifestFile = z.infer<typeof manifestFileSchema>;
export type SourceFingerprint = z.infer<typeof sourceFingerprintSchema>;
export type Manifest = z.infer<typeof manifestSchema>;

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
  'no-keyframe-start',
  'frames-missing',
  'undecodable',
  'decode-error',
  'hash-mismatch',
  'size-mismatch',
  'not-in-manifest',
  'manifest-invalid',
  'manifest-tampered',
] as const;
export type PackageProblemCode = (typeof PACKAGE_PROBLEMS)[number];

export interface PackageProblem {
  /** Package-relative path of the file at fault (or the playlist that names it). */
  file: string;
  problem: PackageProblemCode;
  detail: string;
}
