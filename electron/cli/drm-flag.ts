/**
 * `--drm` on `transcode` and `ingest`: Studio DRM on with the config's `drm` section (the issue's
 * defaults when it has none: cbcs, Widevine + PlayReady + FairPlay, audio/SD/HD keys, local keys),
 * and what the operator is told afterwards — each key ID with its track type, the provider, and the
 * CPIX export a local title's key server needs. Never a key.
 */
import { drmSchema, type StationConfig } from '../common/config.js';
import type { JobSnapshot } from '../common/jobs.js';

/** The flag's help, the same on both commands. */
export const DRM_FLAG_HELP =
  "Studio DRM: Common Encryption for Widevine, PlayReady and FairPlay with the config's drm section (default: cbcs, audio/SD/HD keys, local keys)";

export function withDrm(config: StationConfig, on: boolean | undefined): StationConfig {
  if (!on) return config;
  return { ...config, drm: drmSchema.parse({ ...(config.drm ?? {}), enabled: true }) };
}

export interface DrmSummary {
  scheme: string;
  systems: string[];
  provider: string;
  keys: Array<{ kid: string; trackType: string; period: number }>;
  cpix?: string;
}

export function drmSummary(job: Pick<JobSnapshot, 'drm'>): DrmSummary | undefined {
  const d = job.drm;
  if (!d) return undefined;
  return {
    scheme: d.plan.options.scheme,
    systems: d.plan.options.systems,
    provider: d.provider,
    keys: d.plan.slots.map((s) => ({
      kid: s.kid,
      trackType: d.plan.options.trackKeys === 'single' ? 'all' : s.trackType,
      period: s.period,
    })),
    ...(d.export ? { cpix: d.export } : {}),
  };
}

/** The lines the CLI prints for a DRM title. */
export function drmLines(s: DrmSummary): string[] {
  return [
    `DRM: ${s.scheme} for ${s.systems.join(', ')} · keys from ${s.provider}`,
    ...s.keys.map((k) => `  key ID ${k.kid} · ${k.trackType}${k.period ? ` · period ${k.period}` : ''}`),
    ...(s.cpix ? [`  CPIX export: ${s.cpix} (owner-only; give it to the key server — it is never uploaded)`] : []),
  ];
}
