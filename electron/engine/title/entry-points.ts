/**
 * The public entry points of a title at the origin: `<titleId>/master.m3u8` (and `manifest.mpd`
 * with DASH) — the live version's own, with every relative reference moved under `<version>/`.
 * Writing them is the switch from one version to the next: players and CDNs keep one URL per title.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DASH_MANIFEST, MASTER_PLAYLIST, type Manifest } from '../../common/manifest.js';

export interface EntryPoint {
  /** File name at the title's root (and in the package). */
  name: string;
  body: Buffer;
}

const isRelative = (uri: string): boolean => !/^[a-z][a-z0-9+.-]*:/i.test(uri) && !uri.startsWith('/');

/** Every URI line and URI="…" attribute of a playlist, relative ones prefixed with `<version>/`. */
export function rewritePlaylistForVersion(text: string, version: string): string {
  return text
    .split('\n')
    .map((line) => {
      const l = line.trim();
      if (l === '') return line;
      if (!l.startsWith('#')) return isRelative(l) ? `${version}/${l}` : line;
      return line.replace(/URI="([^"]*)"/g, (m, uri: string) => (isRelative(uri) ? `URI="${version}/${uri}"` : m));
    })
    .join('\n');
}

/** A DASH MPD whose relative URLs resolve inside `<version>/`: one BaseURL at the MPD level. */
export function rewriteMpdForVersion(text: string, version: string): string {
  return text.replace(/(<MPD\b[^>]*>)/, `$1\n  <BaseURL>${version}/</BaseURL>`);
}

export function entryPointNames(manifest: Manifest): string[] {
  return [MASTER_PLAYLIST, ...(manifest.files.some((f) => f.kind === 'dash-manifest') ? [DASH_MANIFEST] : [])];
}

export function entryPointFrom(name: string, versionCopy: Buffer, version: string): EntryPoint {
  const text = versionCopy.toString('utf8');
  return {
    name,
    body: Buffer.from(
      name === DASH_MANIFEST ? rewriteMpdForVersion(text, version) : rewritePlaylistForVersion(text, version),
    ),
  };
}

/** The entry points of a version, built from the package on disk. */
export async function entryPointsFromPackage(
  packageDir: string,
  manifest: Manifest,
  version: string,
): Promise<EntryPoint[]> {
  return Promise.all(
    entryPointNames(manifest).map(async (name) =>
      entryPointFrom(name, await readFile(join(packageDir, name)), version),
    ),
  );
}
