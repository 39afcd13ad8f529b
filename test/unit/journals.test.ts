/**
 * Every JSON-lines journal of the station read back after a crash, a full disk or a hand edit
 * (util/durable-log.ts): a torn last line is cut back to the last whole record before anything is
 * appended — and said — so the next record is not glued onto it and lost; a record that cannot be
 * read anywhere else stops the open with the file and the line named, and nothing is changed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChunkJournal } from '../../electron/engine/package/chunk-journal';
import { PartJournal, type UploadHeader } from '../../electron/engine/transfer/part-journal';
import { JobStore } from '../../electron/engine/queue/job-store';
import { LibraryStore } from '../../electron/engine/audit/library-store';
import { stationConfigSchema } from '../../electron/common/config';
import { openStation } from '../../electron/engine/station';
import { tempDir } from '../helpers/station';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('ingest-journals-');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const header: UploadHeader = {
  version: 1,
  bucket: 'b',
  key: 'k',
  size: 20 << 20,
  partSize: 5 << 20,
  source: { size: 20 << 20, mtimeMs: 1, fingerprint: 'f' },
  createdAt: new Date().toISOString(),
};

describe('a torn last line', () => {
  it('chunk journal: cut before the next append, said; the record appended after it is kept', async () => {
    const path = join(dir, 'chunks.jsonl');
    const j1 = await ChunkJournal.open(path);
    await j1.append({ t: 'sent', d: 'origin', path: '360p/seg_00000.m4s', md5: 'a'.repeat(32) });
    await j1.close();
    await appendFile(path, '{"t":"sent","d":"origin","path":"360p/seg_000'); // the disk filled mid-write
    const said: string[] = [];
    const j2 = await ChunkJournal.open(path, (s) => said.push(s));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/chunks\.jsonl: its last record \(line 2, \d+ bytes\) was cut short/);
    await j2.append({ t: 'sent', d: 'origin', path: '360p/seg_00001.m4s', md5: 'b'.repeat(32) });
    await j2.close();
    const j3 = await ChunkJournal.open(path);
    expect([...j3.sent.get('origin')!.keys()]).toEqual(['360p/seg_00000.m4s', '360p/seg_00001.m4s']);
    await j3.close();
    expect((await readFile(path, 'utf8')).split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('part journal: the part acknowledged after a torn line is not lost', async () => {
    const path = join(dir, 'upload.jsonl');
    const p1 = new PartJournal(path);
    await p1.create(header);
    await p1.started('upload-1');
    await p1.append({ part: 1, etag: '"e1"', size: 5 << 20, md5: '1'.repeat(32) });
    await p1.close();
    await appendFile(path, '{"part":2,"etag":"\\"e2');
    const p2 = new PartJournal(path);
    expect((await p2.load({ onRepair: () => undefined }))?.state).toBe('started');
    await p2.reopen();
    await p2.append({ part: 2, etag: '"e2"', size: 5 << 20, md5: '2'.repeat(32) });
    await p2.close();
    const loaded = await new PartJournal(path).load();
    expect(loaded?.state === 'started' && [...loaded.parts.keys()]).toEqual([1, 2]);
  });

  it('a reader that does not own the journal leaves a line in flight alone', async () => {
    const path = join(dir, 'upload.jsonl');
    const p = new PartJournal(path);
    await p.create(header);
    await p.close();
    await appendFile(path, '{"uploadId":"in-fli');
    expect((await new PartJournal(path).load({ readOnly: true }))?.state).toBe('pending');
    expect(await readFile(path, 'utf8')).toMatch(/in-fli$/);
  });
});

describe('an unreadable record elsewhere stops the open, naming the file and the line', () => {
  it('jobs.jsonl: a garbled line in the middle is not dropped (its job would be lost, its folder orphaned)', async () => {
    const path = join(dir, 'jobs.jsonl');
    await writeFile(path, '{"id":"a","v":1}\n{"id":"b","v":1\n{"id":"c","v":1}\n');
    await expect(new JobStore(path).open()).rejects.toThrow(
      `${path}, line 2: this record cannot be read (it is not JSON). The station stops here`,
    );
    // Nothing was changed.
    expect(await readFile(path, 'utf8')).toBe('{"id":"a","v":1}\n{"id":"b","v":1\n{"id":"c","v":1}\n');
  });

  it('the library log too', async () => {
    const path = join(dir, 'audits.jsonl');
    await writeFile(path, '{"t":"title","title":{"titleId":"x"}}\n{"t":"run"}\n{"t":"end","run":{"id":"r"}}\n');
    await expect(new LibraryStore(path).open()).rejects.toThrow(/audits\.jsonl, line 2: .*run: Invalid input/);
  });

  it('a jobs.jsonl record that is not a job stops the station with a sentence, never a TypeError', async () => {
    const work = join(dir, 'work');
    const config = stationConfigSchema.parse({
      destinations: { o: { type: 'folder', path: join(dir, 'out') } },
      origin: 'o',
      workDir: work,
    });
    for (const [line, why] of [
      ['{"id":"x"}', /title: Invalid input: expected string, received undefined/],
      ['{"id":"x","state":"running"}', /stages: Invalid input/],
      ['{"id":"../../etc","title":"t"}', /id: "\.\.\/\.\.\/etc" cannot name a folder/],
    ] as const) {
      await rm(work, { recursive: true, force: true });
      const { mkdir } = await import('node:fs/promises');
      await mkdir(work, { recursive: true });
      await writeFile(join(work, 'jobs.jsonl'), `${line}\n`);
      const opened = openStation({ config, baseDir: dir });
      await expect(opened).rejects.toThrow(`${join(work, 'jobs.jsonl')}, line 1: this record cannot be read`);
      await expect(opened).rejects.toThrow(why);
    }
  });
});
