/**
 * The audit through the viewers' door: what a player gets from the origin's public URL (a CDN, or
 * the bucket's website endpoint) — not what the bucket listing says. Every playlist of the live
 * version and the title's entry point are fetched; of the chunks, a sample of `sample` per run,
 * rotating with the run number so every chunk is hashed within ceil(chunks / sample) runs. Each is
 * compared by size and SHA-256 with the manifest: a CDN that serves a stale or missing chunk while
 * the bucket is whole is caught here. The station cannot purge a CDN; the problem is reported (and
 * alerted) with the URL to purge.
 */
import { createHash } from 'node:crypto';
import { isMediaSegment, type AuditProblem, type Manifest } from '../../common/manifest.js';
import { versionKey } from '../../common/title.js';
import type { RequestBudget } from './request-budget.js';

export interface ViewerAuditOptions {
  baseUrl: string;
  titleId: string;
  version: string;
  manifest: Manifest;
  /** Chunks to hash this run (0: playlists only; ≥ the chunk count: all). */
  sample: number;
  /** Which run this is (rotates the sample). */
  runIndex: number;
  budget?: RequestBudget;
  signal?: AbortSignal;
}

export interface ViewerAuditResult {
  problems: AuditProblem[];
  playlists: number;
  chunks: number;
  chunksTotal: number;
  bytes: number;
}

const PLAYLIST = /playlist|manifest/;

/** The k chunks of run `runIndex`: consecutive in path order, starting where the last run stopped. */
export function sampleFor<T>(items: T[], k: number, runIndex: number): T[] {
  if (k >= items.length) return items;
  const start = (runIndex * k) % items.length;
  return Array.from({ length: k }, (_, i) => items[(start + i) % items.length]!);
}

export async function auditViewers(o: ViewerAuditOptions): Promise<ViewerAuditResult> {
  const base = o.baseUrl.replace(/\/+$/, '');
  const url = (key: string): string => `${base}/${key.split('/').map(encodeURIComponent).join('/')}`;
  const problems: AuditProblem[] = [];
  let bytes = 0;
  const fetchOne = async (key: string): Promise<Buffer | string> => {
    await o.budget?.take('B', o.signal);
    try {
      const res = await fetch(url(key), {
        ...(o.signal ? { signal: o.signal } : {}),
        headers: { 'user-agent': 'IngestStation-audit' },
      });
      if (!res.ok) return `HTTP ${res.status}`;
      const body = Buffer.from(await res.arrayBuffer());
      bytes += body.length;
      return body;
    } catch (err) {
      return `unreachable (${(err as Error).message})`;
    }
  };
  const check = async (path: string, expect: { size: number; sha256: string }): Promise<void> => {
    const key = versionKey(o.titleId, o.version, path);
    const got = await fetchOne(key);
    if (typeof got === 'string') {
      problems.push({
        key,
        problem: 'viewers-missing',
        detail: `${url(key)} answers ${got} to viewers; the store holds it`,
      });
      return;
    }
    const sha = createHash('sha256').update(got).digest('hex');
    if (got.length !== expect.size || sha !== expect.sha256) {
      problems.push({
        key,
        problem: 'viewers-mismatch',
        detail: `${url(key)} serves ${got.length} bytes with SHA-256 ${sha.slice(0, 16)}…; the manifest says ${expect.size} bytes, ${expect.sha256.slice(0, 16)}… — a stale copy at the CDN (purge this URL)`,
      });
    }
  };
  const playlists = o.manifest.files.filter((f) => PLAYLIST.test(f.kind));
  const segments = o.manifest.files.filter(isMediaSegment).sort((a, b) => a.path.localeCompare(b.path));
  const chosen = sampleFor(segments, o.sample, o.runIndex);
  for (const f of [...playlists, ...chosen]) await check(f.path, f);
  // The entry point viewers start from must lead into this version.
  const entry = `${o.titleId}/master.m3u8`;
  if (playlists.some((f) => f.path === 'master.m3u8')) {
    const got = await fetchOne(entry);
    if (typeof got === 'string')
      problems.push({ key: entry, problem: 'viewers-missing', detail: `${url(entry)} answers ${got} to viewers` });
    else if (!got.toString('utf8').includes(`${o.version}/`))
      problems.push({
        key: entry,
        problem: 'viewers-mismatch',
        detail: `${url(entry)} does not lead into the live version ${o.version}: a stale entry point at the CDN (purge this URL)`,
      });
  }
  return { problems, playlists: playlists.length + 1, chunks: chosen.length, chunksTotal: segments.length, bytes };
}
