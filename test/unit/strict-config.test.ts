/**
 * A misspelt key in a config the operator wrote (`secretAccesKey`) used to be dropped without a
 * word — the credential it meant was silently not used. Every config object now refuses unknown
 * keys, naming the key and the one it probably meant (common/strict.ts).
 */
import { describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeZodError, stationConfigSchema } from '../../electron/common/config';
import { ladderProfileSchema } from '../../electron/common/profile';
import { didYouMean } from '../../electron/common/strict';
import { loadConfigFile } from '../../electron/engine/config-file';
import { tempDir } from '../helpers/station';

const base = {
  destinations: { b2: { type: 's3', preset: 'b2', region: 'us-west-004', bucket: 'films-origin' } },
  origin: 'b2',
};

const problem = (raw: unknown): string => {
  const r = stationConfigSchema.safeParse(raw);
  if (r.success) throw new Error('accepted');
  return describeZodError(r.error);
};

describe('strict config schemas', () => {
  it('a misspelt key is an error naming the key it meant, at every level', () => {
    expect(
      problem({ ...base, destinations: { b2: { ...base.destinations.b2, accessKeyId: 'AK', secretAccesKey: 'SK' } } }),
    ).toBe('destinations.b2: unknown key "secretAccesKey" (did you mean "secretAccessKey"?)');
    expect(problem({ ...base, segmentSecond: 6 })).toBe('unknown key "segmentSecond" (did you mean "segmentSeconds"?)');
    expect(problem({ ...base, libraryAudit: { everyHour: 12 } })).toBe(
      'libraryAudit: unknown key "everyHour" (did you mean "everyHours"?)',
    );
    expect(problem({ ...base, watchFolders: [{ path: '/in', stableSecond: 3 }] })).toMatch(
      /^watchFolders\.0: unknown key "stableSecond" \(did you mean "stableSeconds"\?\)$/,
    );
    expect(problem({ ...base, bandwidthSchedule: [{ days: [1], form: '08:00', to: '18:00' }] })).toMatch(
      /unknown key "form" \(did you mean "from"\?\)/,
    );
    // Nothing close: the known keys are listed instead.
    expect(problem({ destinations: { n: { type: 'folder', path: '/x', colour: 'red' } }, origin: 'n' })).toBe(
      'destinations.n: unknown key "colour" (known keys: type, path)',
    );
    const rung = ladderProfileSchema.safeParse({ rungs: [{ height: 720, kpbs: 3000 }], audioKbps: 128 });
    expect(rung.error?.issues.map((i) => i.message)).toContain('unknown key "kpbs" (did you mean "kbps"?)');
  });

  it('a config file with one stops with that sentence (a usage error for the CLI)', async () => {
    const dir = await tempDir();
    const path = join(dir, 'station.json');
    await writeFile(path, JSON.stringify({ ...base, workDri: '/srv/work' }));
    await expect(loadConfigFile(path)).rejects.toThrow(
      `Config file ${path} is invalid: unknown key "workDri" (did you mean "workDir"?)`,
    );
  });

  it('did-you-mean only offers a key that is close', () => {
    expect(didYouMean('secretAccesKey', ['accessKeyId', 'secretAccessKey'])).toBe('secretAccessKey');
    expect(didYouMean('ORIGIN', ['origin', 'archive'])).toBe('origin');
    expect(didYouMean('bandwidth', ['bucket', 'prefix'])).toBeUndefined();
  });
});
