/**
 * The title audit (audit/title-audit.ts) of one title at a folder origin: a small package written by
 * hand (sizes and digests from the station's own hashFile), delivered as real files under a real
 * claim in a temporary folder. Nothing faked.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { auditTitle } from '../../electron/engine/audit/title-audit';
import { FolderDestination } from '../../electron/engine/destinations/folder';
import { hashFile } from '../../electron/engine/util/hash-file';
import { entryPointFrom } from '../../electron/engine/title/entry-points';
import { MANIFEST_FILE, MASTER_PLAYLIST, type Manifest } from '../../electron/common/manifest';
import { claimKey, versionKey, type TitleClaim } from '../../electron/common/title';
import { tempDir } from '../helpers/station';

const TITLE = 'title-audit-test';
const VERSION = 'v20260101T000000Z-abcd';
const MASTER = { name: 'master.mov', size: 123456, headTailSha256: 'a'.repeat(64) };

const FILES: Record<string, { kind: Manifest['files'][number]['kind']; body: Buffer; rendition?: string }> = {
  [MASTER_PLAYLIST]: {
    kind: 'master-playlist',
    body: Buffer.from('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000000,RESOLUTION=1280x720\n720p/index.m3u8\n'),
  },
  '720p/index.m3u8': {
    kind: 'media-playlist',
    rendition: '720p',
    body: Buffer.from(
      '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:4.0,\nseg_00000.m4s\n#EXTINF:4.0,\nseg_00001.m4s\n#EXT-X-ENDLIST\n',
    ),
  },
  '720p/init.mp4': { kind: 'init-segment', rendition: '720p', body: Buffer.alloc(600, 1) },
  '720p/seg_00000.m4s': { kind: 'segment', rendition: '720p', body: Buffer.alloc(4000, 2) },
  '720p/seg_00001.m4s': { kind: 'segment', rendition: '720p', body: Buffer.alloc(3000, 3) },
};
const SEG0 = versionKey(TITLE, VERSION, '720p/seg_00000.m4s');
const SEG1 = versionKey(TITLE, VERSION, '720p/seg_00001.m4s');

let dir: string;
let packageDir: string;
let storeDir: string;
let origin: FolderDestination;
let manifest: Manifest;

beforeEach(async () => {
  dir = await tempDir('ingest-title-audit-');
  packageDir = join(dir, 'package');
  storeDir = join(dir, 'store');
  const files: Manifest['files'] = [];
  for (const [path, f] of Object.entries(FILES)) {
    const local = join(packageDir, ...path.split('/'));
    await mkdir(dirname(local), { recursive: true });
    await writeFile(local, f.body);
    const d = await hashFile(local);
    files.push({
      path,
      size: d.size,
      md5: d.md5,
      sha256: d.sha256,
      kind: f.kind,
      ...(f.rendition ? { rendition: f.rendition } : {}),
    });
  }
  manifest = {
    schemaVersion: 1,
    title: 'Title audit test',
    titleId: TITLE,
    createdAt: '2026-01-01T00:00:00.000Z',
    source: { ...MASTER, mtimeMs: 0, durationSec: 8 },
    encoder: 'hand-written',
    files,
  } as Manifest;
  await writeFile(join(packageDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2));

  // Delivered: every package file, the manifest, the public entry point and the claim.
  origin = new FolderDestination('origin', storeDir);
  for (const f of [...files, { path: MANIFEST_FILE }]) {
    const local = join(packageDir, ...f.path.split('/'));
    const d = await hashFile(local);
    await origin.put({ localPath: local, key: versionKey(TITLE, VERSION, f.path), size: d.size, md5: d.md5 });
  }
  const entry = entryPointFrom(MASTER_PLAYLIST, FILES[MASTER_PLAYLIST]!.body, VERSION);
  await origin.writeObject(`${TITLE}/${MASTER_PLAYLIST}`, entry.body);
  const claim: TitleClaim = {
    kind: 'ingest-station-title',
    schemaVersion: 1,
    titleId: TITLE,
    current: { version: VERSION, master: MASTER, jobId: 'job-1', at: '2026-01-01T00:00:00.000Z' },
    retired: [],
  };
  await origin.writeObject(claimKey(TITLE), Buffer.from(JSON.stringify(claim, null, 2)));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const audit = (extra: Partial<Parameters<typeof auditTitle>[0]> = {}) =>
  auditTitle({ destination: origin, role: 'origin', manifest, packageDir, titleId: TITLE, ...extra });
const storePath = (key: string) => join(storeDir, ...key.split('/'));
const problems = (r: { problems: { key: string; problem: string }[] }) =>
  r.problems.map((p) => ({ key: p.key, problem: p.problem }));

describe('title audit', () => {
  it('a whole delivered title audits clean: every expected object listed, deep hashes all agree', async () => {
    const records = await audit({ deep: true });
    expect(records).toHaveLength(1);
    const [r] = records;
    expect(r!.problems).toEqual([]);
    expect(r!.version).toBe(VERSION);
    // 5 package files + manifest.json + entry point + claim.
    expect(r!.objectsExpected).toBe(8);
    expect(r!.objectsListed).toBe(8);
    // Deep: the 5 package files, the manifest and the entry point (the claim has no SHA-256).
    expect(r!.deepChecked).toBe(7);
  });

  it('a chunk gone from the store is reported missing, and only it', async () => {
    await rm(storePath(SEG0));
    const [r] = await audit();
    expect(problems(r!)).toEqual([{ key: SEG0, problem: 'missing' }]);
    expect(r!.objectsListed).toBe(7);
  });

  it('a chunk with wrong bytes: a size-mismatch at another length, a content-mismatch (deep) at the same length', async () => {
    await writeFile(storePath(SEG0), Buffer.alloc(3999, 2));
    await writeFile(storePath(SEG1), Buffer.alloc(3000, 9));
    const [shallow] = await audit();
    // The folder lists no ETags: bytes changed at the same size are seen only by hashing them.
    expect(problems(shallow!)).toEqual([{ key: SEG0, problem: 'size-mismatch' }]);
    const [deep] = await audit({ deep: true });
    expect(problems(deep!)).toEqual([
      { key: SEG0, problem: 'size-mismatch' },
      { key: SEG1, problem: 'content-mismatch' },
    ]);
  });

  it('an object the manifest does not name is reported unexpected and left in place', async () => {
    const stray = `${TITLE}/${VERSION}/720p/seg_00002.m4s`;
    await origin.writeObject(stray, Buffer.from('not ours'));
    const [r] = await audit();
    expect(problems(r!)).toEqual([{ key: stray, problem: 'unexpected' }]);
    expect(r!.objectsListed).toBe(9);
    expect((await readFile(storePath(stray))).toString()).toBe('not ours');
  });

  it("the store's manifest.json differing from the local package's is reported as that object's mismatch", async () => {
    const key = versionKey(TITLE, VERSION, MANIFEST_FILE);
    const before = (await stat(storePath(key))).size;
    await writeFile(storePath(key), (await readFile(storePath(key))).toString().replace('hand-written', 'edited'));
    expect((await stat(storePath(key))).size).not.toBe(before);
    const [r] = await audit({ deep: true });
    expect(problems(r!)).toEqual([{ key, problem: 'size-mismatch' }]);
  });

  it("a manifest whose master is not the claim's live one is not the title's: reported not-live, nothing compared or touched", async () => {
    await rm(storePath(SEG0));
    const other = { ...manifest, source: { ...manifest.source, headTailSha256: 'b'.repeat(64) } };
    const records = await audit({ manifest: other, repair: true });
    expect(records).toHaveLength(1);
    expect(problems(records[0]!)).toEqual([{ key: claimKey(TITLE), problem: 'not-live' }]);
    expect(records[0]!.objectsExpected).toBe(0);
    // The repair was refused: the missing chunk is still missing.
    await expect(stat(storePath(SEG0))).rejects.toThrow();
  });
});

describe('title audit with repair', () => {
  it('puts back the missing and wrong chunks from the local package, then audits again clean', async () => {
    await rm(storePath(SEG0));
    await writeFile(storePath(SEG1), Buffer.alloc(10, 9));
    const records = await audit({ repair: true });
    expect(records).toHaveLength(2);
    expect(problems(records[0]!)).toEqual([
      { key: SEG0, problem: 'missing' },
      { key: SEG1, problem: 'size-mismatch' },
    ]);
    expect(records[1]!.problems).toEqual([]);
    expect(records[1]!.repaired?.source).toBe('local package');
    expect([...records[1]!.repaired!.uploaded].sort()).toEqual([SEG0, SEG1]);
    expect(await readFile(storePath(SEG1))).toEqual(FILES['720p/seg_00001.m4s']!.body);
  });
});
