/**
 * `ingest-station upload - --key …` (a supplier's pipe) through lib-storage against radosgw: a
 * 40 MiB stream of unknown length arrives byte-identical in 8 MiB parts; a stream whose parts the
 * store cannot take fails with exit 1 and leaves no multipart upload behind.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GetObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freshBucket } from '../helpers/s3';
import { startFaultProxy } from '../helpers/fault-proxy';
import { tempDir } from '../helpers/station';
import { BIN, CLI_ENV } from '../helpers/cli';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('ingest-stream-');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Run the CLI with `bytes` written to its stdin in 1 MiB writes. */
function pipeInto(args: string[], bytes: Buffer): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: CLI_ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.on('error', () => undefined); // the CLI may stop reading once it has failed
    child.on('exit', (code) => done({ code: code ?? 1, stdout, stderr }));
    void (async () => {
      for (let o = 0; o < bytes.length; o += 1 << 20)
        if (!child.stdin.write(bytes.subarray(o, o + (1 << 20))))
          await new Promise((r) => child.stdin.once('drain', r));
      child.stdin.end();
    })();
  });
}

describe('upload - (stdin)', () => {
  it('a 40 MiB stream arrives byte-identical, in parts', async () => {
    const { cfg, client } = await freshBucket(inject('s3Endpoint'), '', { partSizeMiB: 8, multipartThresholdMiB: 8 });
    const config = join(dir, 'ok.json');
    await writeFile(config, JSON.stringify({ destinations: { o: cfg }, origin: 'o', workDir: join(dir, 'w1') }));
    const bytes = randomBytes(40 * 1024 * 1024);
    const r = await pipeInto(
      ['upload', '-', '--dest', 'o', '--config', config, '--key', 'supplier/batch.tar', '--json'],
      bytes,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { key: string; size: number; etag: string };
    expect(out.size).toBe(bytes.length);
    expect(out.etag, r.stdout).toMatch(/-5$/);
    const got = await client.send(new GetObjectCommand({ Bucket: cfg.bucket, Key: 'supplier/batch.tar' }));
    expect(
      createHash('sha256')
        .update(await got.Body!.transformToByteArray())
        .digest('hex'),
    ).toBe(createHash('sha256').update(bytes).digest('hex'));
  }, 120_000);

  it('parts the store refuses: exit 1, and no multipart upload is left at the store', async () => {
    const { cfg, client } = await freshBucket(inject('s3Endpoint'), '', { partSizeMiB: 8, multipartThresholdMiB: 8 });
    const proxy = await startFaultProxy(
      inject('s3Endpoint'),
      (_n, req) => (req.method === 'PUT' && /partNumber=2/.test(req.url ?? '') ? 'reset' : undefined),
      50,
    );
    try {
      const config = join(dir, 'bad.json');
      await writeFile(
        config,
        JSON.stringify({
          destinations: { o: { ...cfg, endpoint: proxy.endpoint } },
          origin: 'o',
          workDir: join(dir, 'w2'),
        }),
      );
      const r = await pipeInto(
        ['upload', '-', '--dest', 'o', '--config', config, '--key', 'supplier/broken.tar'],
        randomBytes(24 * 1024 * 1024),
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/Streaming to supplier\/broken\.tar failed/);
      expect(proxy.injected.length).toBeGreaterThan(0);
      const left = await client.send(new ListMultipartUploadsCommand({ Bucket: cfg.bucket }));
      expect(left.Uploads ?? []).toEqual([]);
    } finally {
      await proxy.close();
    }
  }, 120_000);
});
