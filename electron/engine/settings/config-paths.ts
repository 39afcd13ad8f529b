/**
 * Where the station keeps and finds things, from its config: the work folder, the content keys,
 * and the delivery spec. Relative paths in a config resolve
 * against its own folder; one rule for the app, the CLI and the farm worker.
 */
import { isAbsolute, join, resolve } from 'node:path';
import type { StationConfig } from '../../common/config.js';

/** Where content keys are kept: the config's keysDir, else <workDir>/keys. */
export function resolveKeysDir(config: StationConfig, baseDir: string): string {
  if (!config.keysDir) return join(resolveWorkDir(config, baseDir), 'keys');
  return isAbsolute(config.keysDir) ? config.keysDir : resolve(baseDir, config.keysDir);
}

export function resolveWorkDir(config: StationConfig, baseDir: string): string {
  if (!config.workDir) return resolve(baseDir, 'ingest-work');
  return isAbsolute(config.workDir) ? config.workDir : resolve(baseDir, config.workDir);
}

/** The delivery spec: the config's specPath, else the one in the resources folder. */
export function specPathOf(config: Pick<StationConfig, 'specPath'>, baseDir: string, resourcesDir: string): string {
  return config.specPath ? resolve(baseDir, config.specPath) : join(resourcesDir, 'delivery-spec.json');
}
