/** Reading a StationConfig from a JSON file, with one clear error for every way it can be wrong. */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { describeZodError, stationConfigSchema, type StationConfig } from '../common/config.js';
import { StationError } from './util/errors.js';
import { parseJsonText } from './util/json-text.js';

export interface LoadedConfig {
  config: StationConfig;
  /** Folder that relative paths in the config resolve against. */
  baseDir: string;
}

export async function loadConfigFile(path: string): Promise<LoadedConfig> {
  const abs = resolve(path);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    throw new StationError(`Cannot read config file ${abs}: ${(err as Error).message}`, 'config-unreadable');
  }
  const raw = parseJsonText(text, `Config file ${abs}`);
  const parsed = stationConfigSchema.safeParse(raw);
  if (!parsed.success)
    throw new StationError(`Config file ${abs} is invalid: ${describeZodError(parsed.error)}`, 'config-invalid');
  return { config: parsed.data, baseDir: dirname(abs) };
}

/** With no config: the package goes to ./ingest-output, work files to ./ingest-work. */
export function defaultConfig(baseDir: string): LoadedConfig {
  return {
    config: stationConfigSchema.parse({
      destinations: { local: { type: 'folder', path: 'ingest-output' } },
      origin: 'local',
      workDir: 'ingest-work',
    }),
    baseDir,
  };
}

/**
 * This user's cache folder for the station (`transcode`'s work folder when no config names one):
 * XDG_CACHE_HOME or ~/.cache on Linux, ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows. Not
 * the current folder: `transcode` must write nothing but the package the operator asked for.
 */
export function userCacheDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (platform === 'win32')
    return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'Ingest Station', 'Cache');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'Ingest Station');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ingest-station');
}

/** `transcode` without --config: nothing delivered; work files (journal, scratch, keys) in the user's cache. */
export function defaultTranscodeConfig(baseDir: string): LoadedConfig {
  const work = join(userCacheDir(), 'transcode');
  return {
    config: stationConfigSchema.parse({
      destinations: { none: { type: 'folder', path: join(work, 'not-delivered') } },
      origin: 'none',
      workDir: work,
    }),
    baseDir,
  };
}
