/**
 * A title's chunk map: every segment of its manifest a cell, by rendition and time, coloured by
 * what the station can say of it — from the manifest (verified), the delivery (at the origin), and
 * the last audit of the origin (proven, problem, repaired). The one place that rule lives; the job
 * detail and the library view both draw it.
 */
import { isMediaSegment, type AuditProblem, type Manifest } from '../../common/manifest.js';
import { CHUNK_STATES, type ChunkMap, type ChunkState } from '../../common/library.js';
import { versionKey } from '../../common/title.js';

export interface ChunkEvidence {
  titleId: string;
  version?: string;
  /** The package reached the origin (every chunk acknowledged). */
  delivered: boolean;
  /** The last audit of the origin, if one ran: what it found (after its repair) and what the repair put back. */
  audit?: { at: string; problems: AuditProblem[]; repaired: string[] };
}

export function chunkMapOf(manifest: Manifest, e: ChunkEvidence): ChunkMap {
  const problems = new Map((e.audit?.problems ?? []).map((p) => [p.key, p]));
  const repaired = new Set(e.audit?.repaired ?? []);
  const key = (path: string): string => (e.version ? versionKey(e.titleId, e.version, path) : path);
  const rows = new Map<string, ChunkMap['rows'][number]['cells']>();
  for (const f of [...manifest.files]
    .filter(isMediaSegment)
    .sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }))) {
    const rendition = f.rendition ?? f.path.slice(0, f.path.lastIndexOf('/'));
    const p = problems.get(key(f.path));
    const state: ChunkState = p
      ? 'problem'
      : repaired.has(key(f.path))
        ? 'repaired'
        : e.audit
          ? 'proven'
          : e.delivered
            ? 'origin'
            : 'verified';
    if (!rows.has(rendition)) rows.set(rendition, []);
    rows.get(rendition)!.push({ path: f.path, state, ...(p ? { detail: `${p.problem} — ${p.detail}` } : {}) });
  }
  const counts = Object.fromEntries(CHUNK_STATES.map((s) => [s, 0])) as Record<ChunkState, number>;
  for (const cells of rows.values()) for (const c of cells) counts[c.state]++;
  return {
    titleId: e.titleId,
    ...(e.version ? { version: e.version } : {}),
    rows: [...rows.entries()].map(([rendition, cells]) => ({ rendition, cells })),
    counts,
    ...(e.audit ? { at: e.audit.at } : {}),
  };
}
