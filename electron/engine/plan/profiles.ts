/** Ladder profiles: by name from resources/ladder-profiles.json, or from a file of the same shape. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describeZodError } from '../../common/config.js';
import { ladderProfileSchema, ladderProfilesSchema, type LadderProfile } from '../../common/profile.js';
import { StationError } from '../util/errors.js';

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new StationError(`Cannot read the ladder profile file ${path}: ${(err as Error).message}`, 'config-profile');
  }
}

/**
 * `nameOrFile`: a profile name in the bundled file, or a path (anything with a slash or ending in
 * .json) to a JSON file holding one profile, resolved against `baseDir` when relative.
 */
export async function loadProfile(nameOrFile: string, bundledFile: string, baseDir: string): Promise<LadderProfile> {
  if (/[/\\]|\.json$/i.test(nameOrFile)) {
    const path = resolve(baseDir, nameOrFile);
    const parsed = ladderProfileSchema.safeParse(await readJson(path));
    if (!parsed.success)
      throw new StationError(
        `The ladder profile ${path} is invalid: ${describeZodError(parsed.error)}`,
        'config-profile',
      );
    return parsed.data;
  }
  const parsed = ladderProfilesSchema.safeParse(await readJson(bundledFile));
  if (!parsed.success)
    throw new StationError(
      `The ladder profiles in ${bundledFile} are invalid: ${describeZodError(parsed.error)}`,
      'config-profile',
    );
  const profile = parsed.data[nameOrFile];
  if (!profile)
    throw new StationError(
      `No ladder profile "${nameOrFile}" (known: ${Object.keys(parsed.data).join(', ')})`,
      'config-profile',
    );
  return profile;
}
