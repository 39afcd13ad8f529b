/** Reading a StationConfig from a JSON file, with one clear error for every way it can be wrong. */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
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
  if (!parsed.success) throw new StationError(`Config file ${abs} is invalid: ${describeZodError(parsed.error)}`, 'config-invalid');
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
