/**
 * manifest.json: every output file of a package with its size and checksums. The single source of
 * truth for upload, audit and repair.
 */
export const MANIFEST_SCHEMA_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';

export interface ManifestFile {
  /** Relative to the package root, always with forward slashes. */
  path: string;
  size: number;
  md5: string;
  sha256: string;
  /** Rendition name (e.g. "720p", "audio") or undefined for package-level files like master.m3u8. */
  rendition?: string;
  kind: 'master-playlist' | 'media-playlist' | 'init-segment' | 'segment';
  durationSec?: number;
}

export interface Manifest {
  schemaVersion: number;
  title: string;
  createdAt: string;
  source: { path: string; size: number; mtimeMs: number; durationSec: number };
  encoder: string;
  files: ManifestFile[];
}
