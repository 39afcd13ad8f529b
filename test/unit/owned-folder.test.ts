/**
 * Every recursive removal of the engine goes through removeOwned: a folder is removed only when it
 * is named by one safe segment, lies really inside its parent once links are resolved, and carries
 * the station's marker. Each refusal leaves everything in place and says why.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeOwnedDir, removeOwned } from '../../electron/engine/util/owned-folder';
import { segmentProblem } from '../../electron/common/segment';
import { PACKAGE_MARKER } from '../../electron/common/manifest';
import { tempDir } from '../helpers/station';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('ingest-owned-');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the one path-segment rule', () => {
  it('takes job ids, worker names and rung names; refuses what names another folder', () => {
    for (const ok of ['j1a2b3c', 'f0123456789abcdef01234567', 'fence-1', 'encoder-3.studio.lan', '720p', 'video-12'])
      expect(segmentProblem(ok), ok).toBeUndefined();
    const refused: Record<string, RegExp> = {
      '..': /another folder/,
      '.': /another folder/,
      '../../victim2': /another folder/,
      'a/b': /another folder/,
      'a\\b': /another folder/,
      '': /empty/,
      '.hidden': /leading or trailing dot/,
      'trailing.': /leading or trailing dot/,
      'with space': /only letters/,
      'nul\u0000': /only letters/,
      NUL: /Windows device/,
      'com1.txt': /Windows device/,
      ['x'.repeat(65)]: /longer than 64/,
    };
    for (const [bad, why] of Object.entries(refused)) expect(segmentProblem(bad), JSON.stringify(bad)).toMatch(why);
  });
});

describe('removeOwned', () => {
  it('removes a folder the station made and marked', async () => {
    const made = await makeOwnedDir(dir, 'job1', 'the job id');
    await writeFile(join(made, 'chunks.jsonl'), '{}\n');
    expect(await removeOwned(dir, 'job1', 'the job id')).toBe(true);
    expect(existsSync(made)).toBe(false);
    expect(await removeOwned(dir, 'job1', 'the job id')).toBe(false);
  });

  it('refuses a name that climbs out, a folder without the marker, a link in its place', async () => {
    const victim = join(dir, 'victim');
    await mkdir(victim);
    await writeFile(join(victim, 'CANARY.txt'), 'x');
    const jobs = join(dir, 'work', 'jobs');
    await mkdir(jobs, { recursive: true });
    await expect(removeOwned(jobs, '../../victim', 'the job id')).rejects.toThrow(
      /the job id "\.\.\/\.\.\/victim" cannot name a folder \(it would name another folder\)/,
    );
    await expect(removeOwned(jobs, '..', 'the job id')).rejects.toThrow(/cannot name a folder/);
    // Unmarked: not provably the station's.
    await mkdir(join(jobs, 'foreign'));
    await expect(removeOwned(jobs, 'foreign', 'the job id')).rejects.toThrow(
      /carries no Ingest Station marker .* Nothing was deleted/,
    );
    // A link planted where a job folder would be, even to a marked folder.
    const marked = await makeOwnedDir(dir, 'elsewhere', 'x');
    await symlink(marked, join(jobs, 'linked'));
    await expect(removeOwned(jobs, 'linked', 'the job id')).rejects.toThrow(/symbolic link/);
    expect(existsSync(marked)).toBe(true);
    expect(existsSync(join(victim, 'CANARY.txt'))).toBe(true);
    expect((await readdir(jobs)).sort()).toEqual(['foreign', 'linked']);
  });

  it('a rendition folder inside a package counts through the package marker', async () => {
    const pkg = join(dir, 'package');
    await mkdir(join(pkg, '720p'), { recursive: true });
    await expect(removeOwned(pkg, '720p', 'a rendition folder', { markedBy: 'parent' })).rejects.toThrow(
      /no Ingest Station marker/,
    );
    await writeFile(join(pkg, PACKAGE_MARKER), JSON.stringify({ createdBy: 'ingest-station', files: [] }));
    await expect(removeOwned(pkg, '720p', 'a rendition folder', { markedBy: 'parent' })).resolves.toBe(true);
  });
});
