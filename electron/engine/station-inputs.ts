/**
 * What a station reads once and lazily from its config: the tools, the delivery spec, the encoder
 * (detected by trial encode), the ladder profile — each resolved on first use, so a missing ffmpeg
 * or a broken spec fails the job that needs it with its reason instead of the station — and its
 * Studio DRM. station.ts composes these; they hold no state beyond the cached answers.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StationConfig } from '../common/config.js';
import type { DeliverySpec } from '../common/spec.js';
import type { LadderProfile } from '../common/profile.js';
import type { StationInfo } from '../common/api.js';
import type { Destination } from './destinations/index.js';
import { locateTools, type ToolPaths } from './ffmpeg/locate.js';
import { toolVersion } from './ffmpeg/version.js';
import { detectEncoders } from './ffmpeg/encoders.js';
import type { EncoderChoice } from './plan/plan.js';
import { loadProfile } from './plan/profiles.js';
import { loadSpec } from './probe/load-spec.js';
import { resolveKeysDir, specPathOf } from './settings/config-paths.js';
import { StationDrm } from './drm/station-drm.js';
import { fileKeySeal, type KeySeal } from './drm/local-keys.js';

/** resources/ of the repository (the CLI and tests); the app passes process.resourcesPath. */
export const DEFAULT_RESOURCES = fileURLToPath(new URL('../../resources', import.meta.url));

export interface StationInputs {
  tools(): ToolPaths;
  spec(): Promise<DeliverySpec>;
  encoder(): Promise<EncoderChoice>;
  profile(): Promise<LadderProfile>;
}

export function stationInputs(
  config: StationConfig,
  where: { baseDir: string; workDir: string; resourcesDir?: string },
): StationInputs {
  const resourcesDir = where.resourcesDir ?? DEFAULT_RESOURCES;
  let tools: ToolPaths | undefined;
  const getTools = (): ToolPaths =>
    (tools ??= locateTools({
      ...(config.ffmpegPath ? { ffmpegPath: config.ffmpegPath } : {}),
      ...(config.ffprobePath ? { ffprobePath: config.ffprobePath } : {}),
      ...(where.resourcesDir ? { resourcesDir: where.resourcesDir } : {}),
    }));
  const specPath = specPathOf(config, where.baseDir, resourcesDir);
  let spec: Promise<DeliverySpec> | undefined;
  let encoder: Promise<EncoderChoice> | undefined;
  let profile: Promise<LadderProfile> | undefined;
  return {
    tools: getTools,
    spec: () => (spec ??= loadSpec(specPath)),
    encoder: () =>
      (encoder ??= (
        config.encoder && config.encoder !== 'auto'
          ? Promise.resolve({ chosen: config.encoder, reason: `set in the config (encoder: ${config.encoder})` })
          : detectEncoders(getTools().ffmpeg, where.workDir)
      ).catch((err: unknown) => ({
        chosen: 'libx264',
        reason: `software encoder: hardware detection failed (${(err as Error).message})`,
      }))),
    profile: () =>
      (profile ??= loadProfile(config.profile, join(resourcesDir, 'ladder-profiles.json'), where.baseDir).then((p) =>
        config.ladder ? { ...p, ladder: config.ladder } : p,
      )),
  };
}

/** Studio DRM when the config turns it on; its keys sealed by `seal`, else the station key file. */
export function openStationDrm(
  config: StationConfig,
  o: { baseDir: string; seal: KeySeal | undefined; farmWorker: boolean },
): StationDrm | undefined {
  if (!config.drm?.enabled) return undefined;
  const drmDir = join(resolveKeysDir(config, o.baseDir), 'drm');
  return new StationDrm({
    config: config.drm,
    keysDir: drmDir,
    seal: o.seal ?? fileKeySeal(join(drmDir, 'station-seal.key')),
    baseDir: o.baseDir,
    ...(o.farmWorker ? { farmWorker: true } : {}),
  });
}

/** Tools (with versions), spec and destinations, for the UI and logs; a tool problem is said, not thrown. */
export async function stationInfo(
  inputs: Pick<StationInputs, 'tools' | 'spec'>,
  origin: Destination,
  archive: Destination | undefined,
): Promise<StationInfo> {
  const base: StationInfo = { origin: origin.describe(), ...(archive ? { archive: archive.describe() } : {}) };
  try {
    const t = inputs.tools();
    const [fv, pv] = await Promise.all([toolVersion(t.ffmpeg), toolVersion(t.ffprobe)]);
    return {
      ...base,
      ffmpeg: { path: t.ffmpeg, version: fv },
      ffprobe: { path: t.ffprobe, version: pv },
      spec: (await inputs.spec()).name,
      ...(t.ffprobeWarning ? { warnings: [t.ffprobeWarning] } : {}),
    };
  } catch (err) {
    return { ...base, toolsError: (err as Error).message };
  }
}
