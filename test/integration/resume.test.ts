/**
 * Crash-resume of the built CLI's `upload` against a real radosgw: the uploading process is killed
 * with SIGKILL at random points (five trials); every rerun continues the same multipart upload
 * from its journal and the final object is byte-identical with the right multipart ETag.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { appendFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PartJournal } from '../../electron/engine/transfer/part-journal';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { multipartEtag } from '../../electron/engine/transfer/etag';
import { S3Destination } from '../../electron/engine/destinations/s3';
import { claimAt } from '../../electron/engine/title/claim';
import { hashFile } from '../../electron/engine/util/hash-file';
import { freshBucket } from '../helpers/s3';
import { makeBigFile, sha256 } from '../helpers/files';
import { tempDir } from '../helpers/station';
import { BIN, CLI_ENV, runCli } from '../helpers/cli';

const MIB = 1024 * 1024;
const PART = 8 * MIB;
const ENV = CLI_ENV;

let dir: string;
beforeAll(async () => {
  dir = await tempDir('ingest-resume-');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function journal(workDir: string): Promise<{ uploadId: string; parts: number } | undefined> {
  const files = await readdir(join(workDir, 'uploads')).catch(() => [] as string[]);
  if (files.length === 0) return undefined;
  const j = await new PartJournal(join(workDir, 'uploads', files[0]!)).load().catch(() => undefined);
  return j?.state === 'started' ? { uploadId: j.uploadId, parts: j.parts.size } : undefined;
}

const cliRun = (args: string[]) => runCli(args);

/** Start an upload and SIGKILL it once its journal holds at least `atParts` parts. */
async function killAt(args: string[], workDir: string, atParts: number): Promise<void> {
  const child = spawn(process.execPath, [BIN, ...args], { env: ENV, stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const j = await journal(workDir);
    if (j && j.parts >= atParts) break;
    if (child.exitCode !== null) break;
    await sleep(20);
  }
  child.kill('SIGKILL');
  await exited;
}

async function setup(name: string) {
  const { cfg, client } = await freshBucket(inject('s3Endpoint'), '', { partSizeMiB: 8, multipartThresholdMiB: 8 });
  const workDir = join(dir, `${name}-work`);
  const config = join(dir, `${name}.json`);
  await writeFile(config, JSON.stringify({ destinations: { arch: cfg }, origin: 'arch', workDir, partsPerFile: 4 }));
  return { cfg, client, workDir, config };
}

describe('upload survives kill -9', () => {
  it('five SIGKILLs at random points: each rerun resumes the same upload; the object is exact', async () => {
    const { cfg, client, workDir, config } = await setup('kill');
    const file = await makeBigFile(join(dir, 'master.mov'), 240 * MIB + 777, 7);
    const parts = Math.ceil((240 * MIB + 777) / PART);
    const args = ['upload', file, '--dest', 'arch', '--config', config, '--bwlimit', '60', '--json'];
    const seen: Array<{ uploadId: string; parts: number }> = [];
    let target = 0;
    for (let trial = 0; trial < 5; trial++) {
      target = Math.min(parts - 3, target + 1 + Math.floor(Math.random() * 4));
      await killAt(args, workDir, target);
      const j = await journal(workDir);
      expect(j, `trial ${trial}: a journal survives the kill`).toBeDefined();
      seen.push(j!);
    }
    // Every rerun continued the same multipart upload and only ever added parts.
    expect(new Set(seen.map((s) => s.uploadId)).size).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.parts).toBeGreaterThanOrEqual(seen[i - 1]!.parts);
    expect(seen.at(-1)!.parts).toBeGreaterThan(seen[0]!.parts);

    const last = seen.at(-1)!.parts;
    const done = await cliRun(args);
    expect(done.code, done.stderr).toBe(0);
    const out = JSON.parse(done.stdout) as {
      size: number;
      transfer: { parts: number; partsReused: number; partsSent: number; bytesSent: number; resumed: boolean };
    };
    expect(out.transfer.resumed).toBe(true);
    expect(out.transfer.parts).toBe(parts);
    expect(out.transfer.partsReused).toBeGreaterThanOrEqual(last);
    expect(out.transfer.partsReused + out.transfer.partsSent).toBe(parts);
    // Bytes sent after the resume ≤ what the journal said was still missing.
    expect(out.transfer.bytesSent).toBeLessThanOrEqual(out.size - last * PART);

    const dest = new S3Destination('arch', cfg, { journalDir: join(workDir, 'uploads') });
    const data = await readFile(file);
    const md5s: string[] = [];
    for (let o = 0; o < data.length; o += PART)
      md5s.push(
        createHash('md5')
          .update(data.subarray(o, o + PART))
          .digest('hex'),
      );
    expect((await dest.head('master.mov'))?.etag).toBe(multipartEtag(md5s));
    expect(sha256(await dest.read('master.mov'))).toBe(sha256(data));
    expect((await client.send(new ListMultipartUploadsCommand({ Bucket: cfg.bucket }))).Uploads ?? []).toHaveLength(0);
    await expect(readdir(join(workDir, 'uploads'))).resolves.toEqual([]);
    dest.close();
  });

  it('a master changed between runs: the old upload is aborted and the new bytes uploaded clean', async () => {
    const { cfg, client, workDir, config } = await setup('changed');
    const file = await makeBigFile(join(dir, 'changed.mov'), 64 * MIB, 8);
    const args = ['upload', file, '--dest', 'arch', '--config', config, '--bwlimit', '40', '--json'];
    await killAt(args, workDir, 2);
    const before = await journal(workDir);
    expect(before?.parts).toBeGreaterThanOrEqual(2);
    await appendFile(file, 'a re-export with one more frame');
    const done = await cliRun(args);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toMatch(/changed since its upload started .*aborting the old upload and starting clean/);
    const out = JSON.parse(done.stdout) as { transfer: { resumed: boolean; partsReused: number } };
    expect(out.transfer).toMatchObject({ resumed: false, partsReused: 0 });
    const dest = new S3Destination('arch', cfg, { journalDir: join(workDir, 'uploads') });
    expect(sha256(await dest.read('changed.mov'))).toBe((await hashFile(file)).sha256);
    expect((await client.send(new ListMultipartUploadsCommand({ Bucket: cfg.bucket }))).Uploads ?? []).toHaveLength(0);
    dest.close();
  });

  it('uploads list / abort find and clean unfinished uploads', async () => {
    const { cfg, client, config } = await setup('janitor');
    await client.send(new CreateMultipartUploadCommand({ Bucket: cfg.bucket, Key: 'stale/one.mov' }));
    await client.send(new CreateMultipartUploadCommand({ Bucket: cfg.bucket, Key: 'stale/two.mov' }));
    const listed = await cliRun(['uploads', 'list', '--dest', 'arch', '--config', config, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { uploads: Array<{ key: string }> }).uploads.map((u) => u.key).sort()).toEqual(
      ['stale/one.mov', 'stale/two.mov'],
    );
    const young = await cliRun([
      'uploads',
      'abort',
      '--dest',
      'arch',
      '--config',
      config,
      '--older-than',
      '24h',
      '--json',
    ]);
    expect((JSON.parse(young.stdout) as { aborted: unknown[] }).aborted).toHaveLength(0);
    // Started by another tool (no journal of this station, no claim): listed, left alone…
    const theirs = await cliRun(['uploads', 'abort', '--dest', 'arch', '--config', config, '--json']);
    expect(theirs.code).toBe(0);
    expect(JSON.parse(theirs.stdout)).toMatchObject({
      aborted: [],
      leftAlone: [{ key: 'stale/one.mov' }, { key: 'stale/two.mov' }],
    });
    expect(theirs.stderr).toMatch(/left 2 uploads this station did not start .*--all/);
    expect((await client.send(new ListMultipartUploadsCommand({ Bucket: cfg.bucket }))).Uploads ?? []).toHaveLength(2);
    // …unless the operator says so.
    const aborted = await cliRun(['uploads', 'abort', '--dest', 'arch', '--config', config, '--all', '--json']);
    expect(aborted.code).toBe(0);
    expect((JSON.parse(aborted.stdout) as { aborted: unknown[] }).aborted).toHaveLength(2);
    expect((await client.send(new ListMultipartUploadsCommand({ Bucket: cfg.bucket }))).Uploads ?? []).toHaveLength(0);
    expect((await cliRun(['uploads', 'list', '--dest', 'arch', '--config', config, '--older-than', 'soon'])).code).toBe(
      2,
    );
  });

  it('uploads the station can prove are its own — in its part journals, or in a version folder its claim names — are aborted without --all', async () => {
    const { cfg, client, workDir, config } = await setup('janitor-own');
    const dest = new S3Destination('arch', cfg, { journalDir: join(workDir, 'uploads') });
    // One the station's journal started (as a killed upload leaves it)…
    const journalled = await client.send(
      new CreateMultipartUploadCommand({ Bucket: cfg.bucket, Key: 'single/master.mov' }),
    );
    await mkdir(join(workDir, 'uploads'), { recursive: true });
    await writeFile(
      join(workDir, 'uploads', 'x.jsonl'),
      JSON.stringify({
        version: 1,
        bucket: cfg.bucket,
        key: 'single/master.mov',
        uploadId: journalled.UploadId,
        size: 1,
        partSize: PART,
        source: { size: 1, mtimeMs: 0, fingerprint: 'f' },
        createdAt: new Date().toISOString(),
      }) + '\n',
    );
    // …one inside a version folder an Ingest Station claim names (another station's, say)…
    const master = { name: 'm.mov', size: 1, headTailSha256: 'a'.repeat(64) };
    await claimAt({
      destination: dest,
      titleId: 'film',
      master,
      jobId: 'j1',
      version: 'v20261201T000000Z-0000',
      replace: false,
    });
    await client.send(
      new CreateMultipartUploadCommand({ Bucket: cfg.bucket, Key: 'film/v20261201T000000Z-0000/source/m.mov' }),
    );
    // …and one under the same title in a folder the claim does not name.
    await client.send(
      new CreateMultipartUploadCommand({ Bucket: cfg.bucket, Key: 'film/v20990101T000000Z-ffff/source/m.mov' }),
    );
    const r = await cliRun(['uploads', 'abort', '--dest', 'arch', '--config', config, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      aborted: Array<{ key: string; ours: string }>;
      leftAlone: Array<{ key: string }>;
    };
    expect(out.aborted.map((u) => [u.key, u.ours]).sort()).toEqual([
      ['film/v20261201T000000Z-0000/source/m.mov', 'claim'],
      ['single/master.mov', 'journal'],
    ]);
    expect(out.leftAlone.map((u) => u.key)).toEqual(['film/v20990101T000000Z-ffff/source/m.mov']);
    dest.close();
  });
});
