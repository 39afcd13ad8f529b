/**
 * Verify stage: prove the package whole before anything leaves the station, then write the
 * manifest. Walking-skeleton checks: every playlist parses, every referenced segment and init
 * segment exists and is non-empty, nothing escapes the package, no stray files. Every file is then
 * hashed (MD5 + SHA-256) into manifest.json, written atomically. The chunk-integrity issue adds
 * decoding and timing checks on top of this module.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import { createHash } from 'node:crypto';
import HLS from 'hls-parser';
import pLimit from 'p-limit';
import { MANIFEST_FILE, MANIFEST_SCHEMA_VERSION, type Manifest, type ManifestFile } from '../../common/manifest.js';
import { StationError } from '../util/errors.js';
import { hashFile } from '../util/hash-file.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { MASTER_PLAYLIST } from './transcode.js';

// Strict: a playlist that breaks the HLS spec is a problem to report, not something to log and
// guess around (the default logs to the console and carries on).
HLS.setOptions({ strictMode: true, silent: true });

export interface PackageProblem {
  file: string;
  problem: 'missing' | 'empty' | 'unparsable' | 'outside-package' | 'stray';
  detail: string;
}

interface PackageEntry {
  path: string;
  kind: ManifestFile['kind'];
  rendition?: string;
  durationSec?: number;
}

/** Resolve a playlist URI relative to the playlist that names it; undefined when it escapes. */
function resolveUri(fromPlaylist: string, uri: string): string | undefined {
  if (/^[a-z]+:/i.test(uri) || uri.startsWith('/')) return undefined;
  const p = posix.normalize(posix.join(posix.dirname(fromPlaylist), uri));
  return p.startsWith('../') || p === '..' ? undefined : p;
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(root, full)));
    else out.push(relative(root, full).split(sep).join('/'));
  }
  return out;
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/** Walk the playlists; return every file they reference and every structural problem found. */
export async function inspectPackage(dir: string): Promise<{ entries: PackageEntry[]; problems: PackageProblem[] }> {
  const problems: PackageProblem[] = [];
  const entries = new Map<string, PackageEntry>();
  const add = (e: PackageEntry): void => {
    if (!entries.has(e.path)) entries.set(e.path, e);
  };

  const parsePlaylist = async (rel: string): Promise<HLS.types.Playlist | undefined> => {
    let text: string;
    try {
      text = await readFile(join(dir, rel), 'utf8');
    } catch {
      problems.push({ file: rel, problem: 'missing', detail: 'playlist does not exist' });
      return undefined;
    }
    try {
      return HLS.parse(text);
    } catch (err) {
      problems.push({ file: rel, problem: 'unparsable', detail: (err as Error).message });
      return undefined;
    }
  };

  const master = await parsePlaylist(MASTER_PLAYLIST);
  if (!master) return { entries: [], problems };
  if (!master.isMasterPlaylist) {
    problems.push({ file: MASTER_PLAYLIST, problem: 'unparsable', detail: 'is a media playlist, expected a master playlist' });
    return { entries: [], problems };
  }
  add({ path: MASTER_PLAYLIST, kind: 'master-playlist' });

  const mediaUris = new Set<string>();
  for (const v of (master as HLS.types.MasterPlaylist).variants) {
    mediaUris.add(v.uri);
    for (const a of v.audio) if (a.uri) mediaUris.add(a.uri);
  }

  for (const uri of mediaUris) {
    const rel = resolveUri(MASTER_PLAYLIST, uri);
    if (!rel) {
      problems.push({ file: uri, problem: 'outside-package', detail: 'master playlist references a file outside the package' });
      continue;
    }
    const rendition = posix.dirname(rel) === '.' ? undefined : posix.dirname(rel);
    const media = await parsePlaylist(rel);
    if (!media) continue;
    if (media.isMasterPlaylist) {
      problems.push({ file: rel, problem: 'unparsable', detail: 'expected a media playlist, found a master playlist' });
      continue;
    }
    add({ path: rel, kind: 'media-playlist', ...(rendition ? { rendition } : {}) });
    for (const seg of (media as HLS.types.MediaPlaylist).segments) {
      const refs: Array<[string, PackageEntry['kind'], number | undefined]> = [[seg.uri, 'segment', seg.duration]];
      if (seg.map?.uri) refs.push([seg.map.uri, 'init-segment', undefined]);
      for (const [u, kind, durationSec] of refs) {
        const target = resolveUri(rel, u);
        if (!target) {
          problems.push({ file: u, problem: 'outside-package', detail: `${rel} references a file outside the package` });
          continue;
        }
        add({ path: target, kind, ...(rendition ? { rendition } : {}), ...(durationSec !== undefined ? { durationSec } : {}) });
      }
    }
  }

  for (const e of entries.values()) {
    if (e.kind === 'master-playlist' || e.kind === 'media-playlist') continue;
    const size = await sizeOf(join(dir, e.path));
    if (size === undefined) problems.push({ file: e.path, problem: 'missing', detail: 'referenced by a playlist but does not exist' });
    else if (size === 0) problems.push({ file: e.path, problem: 'empty', detail: 'file is 0 bytes' });
  }
  for (const f of await listFiles(dir)) {
    if (f !== MANIFEST_FILE && !entries.has(f)) problems.push({ file: f, problem: 'stray', detail: 'no playlist references this file' });
  }
  return { entries: [...entries.values()], problems };
}

export interface VerifyOptions {
  packageDir: string;
  title: string;
  source: Manifest['source'];
  encoder: string;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface VerifyResult {
  manifest: Manifest;
  manifestPath: string;
  manifestSha256: string;
}

export function formatProblems(problems: PackageProblem[]): string {
  return problems.map((p) => `${p.file}: ${p.problem} — ${p.detail}`).join('\n');
}

export async function verifyPackage(opts: VerifyOptions): Promise<VerifyResult> {
  const { entries, problems } = await inspectPackage(opts.packageDir);
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new StationError(
      `Package failed verification (${problems.length} problem${problems.length > 1 ? 's' : ''}; first: ${first.file} ${first.problem})`,
      'verify-failed',
      formatProblems(problems),
    );
  }
  const limit = pLimit(4);
  let done = 0;
  const files = await Promise.all(
    entries.map((e) =>
      limit(async (): Promise<ManifestFile> => {
        const d = await hashFile(join(opts.packageDir, e.path), opts.signal);
        opts.onProgress?.(++done, entries.length);
        return { ...e, size: d.size, md5: d.md5, sha256: d.sha256 };
      }),
    ),
  );
  files.sort((a, b) => a.path.localeCompare(b.path));
  const manifest: Manifest = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    title: opts.title,
    createdAt: new Date().toISOString(),
    source: opts.source,
    encoder: opts.encoder,
    files,
  };
  const text = JSON.stringify(manifest, null, 2) + '\n';
  const manifestPath = join(opts.packageDir, MANIFEST_FILE);
  await writeFileAtomic(manifestPath, text);
  return { manifest, manifestPath, manifestSha256: createHash('sha256').update(text).digest('hex') };
}
