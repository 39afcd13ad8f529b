/**
 * The one place a station's audit context is put together (what `auditJob` needs): the audit after
 * upload (pipeline.ts) and the on-demand and restore-waiting audits (station.ts) build it here from
 * the same parts, so the two cannot drift apart.
 */
import type { Destination, RestoreTier } from '../destinations/destination.js';
import type { ToolPaths } from '../ffmpeg/locate.js';
import type { KeyStore } from '../package/encryption.js';
import type { Pool } from '../transfer/adaptive-limit.js';
import type { JobAuditContext } from './job-audit.js';
import type { Rebuild } from './title-audit.js';

export interface AuditContextParts {
  origin: Destination;
  archive?: Destination;
  /** Resolved lazily: a missing ffprobe fails the repair that needs it, not the station. */
  tools(): ToolPaths;
  retireGraceMs: number;
  keys: KeyStore;
  objectsPool: Pool;
}

/**
 * Only the audits of a title after its delivery (on demand, waiting on a restore) reach back into
 * the archive: the audit after upload repairs from the local package it just sent, so it is built
 * without these.
 */
export interface ArchiveWayBack {
  restore: { tier: RestoreTier; days: number };
  rebuild?: Rebuild;
}

export function jobAuditContext(parts: AuditContextParts, wayBack?: ArchiveWayBack): JobAuditContext {
  return {
    origin: parts.origin,
    ...(parts.archive ? { archive: parts.archive } : {}),
    ffprobePath: () => parts.tools().ffprobe,
    retireGraceMs: parts.retireGraceMs,
    keys: parts.keys,
    pool: parts.objectsPool,
    ...(wayBack ? { restore: wayBack.restore } : {}),
    ...(wayBack?.rebuild ? { rebuild: wayBack.rebuild } : {}),
  };
}
