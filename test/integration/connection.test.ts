/**
 * "Test connection" against the real radosgw and a real folder: every step named, the failing step
 * in the store's words, nothing left behind.
 */
import { describe, expect, inject, it } from 'vitest';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { readdir } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { checkConnection } from '../../electron/engine/destinations/check-connection';
import { freshBucket } from '../helpers/s3';
import { tempDir } from '../helpers/station';

describe('test connection', () => {
  it('s3: list, write, read back, delete, then what the store proves — and the bucket is left as it was', async () => {
    const dir = await tempDir();
    const { cfg, client } = await freshBucket(inject('s3Endpoint'), 'films');
    const r = await checkConnection('origin', cfg, dir, join(dir, 'uploads'));
    expect(r.steps.map((s) => [s.step.split(' ')[0], s.ok])).toEqual([
      ['List', true],
      ['Write', true],
      ['Read', true],
      ['Delete', true],
      ['Conditional', true],
      ['Object', true],
    ]);
    expect(r.steps[4]!.detail).toMatch(/^Claims by conditional writes \(If-None-Match and If-Match proven/);
    expect(r.ok).toBe(true);
    expect((await client.send(new ListObjectsV2Command({ Bucket: cfg.bucket }))).Contents ?? []).toEqual([]);
  });

  it('s3: a wrong secret, a missing bucket and a dead endpoint each fail at the first step with a reason', async () => {
    const dir = await tempDir();
    const { cfg } = await freshBucket(inject('s3Endpoint'));
    const wrong = await checkConnection('origin', { ...cfg, secretAccessKey: 'nope' }, dir, dir);
    expect(wrong.ok).toBe(false);
    expect(wrong.steps).toHaveLength(1);
    expect(wrong.steps[0]!.detail).toMatch(/SignatureDoesNotMatch \(HTTP 403\): .*secret/i);
    const missing = await checkConnection('origin', { ...cfg, bucket: 'no-such-bucket-here' }, dir, dir);
    expect(missing.steps[0]!.detail).toMatch(/NoSuchBucket \(HTTP 404\)/);
    const dead = await checkConnection('origin', { ...cfg, endpoint: 'http://127.0.0.1:9' }, dir, dir);
    expect(dead.steps[0]!.detail).toMatch(/ECONNREFUSED/);
    // No retries while the operator waits: a store that drops every connection sees exactly one.
    let connections = 0;
    const dropper = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((r) => dropper.listen(0, '127.0.0.1', r));
    const reset = await checkConnection(
      'origin',
      { ...cfg, endpoint: `http://127.0.0.1:${(dropper.address() as AddressInfo).port}` },
      dir,
      dir,
    );
    await new Promise<void>((r) => dropper.close(() => r()));
    expect(reset.ok).toBe(false);
    expect(reset.steps).toHaveLength(1);
    expect(connections).toBe(1);
  });

  it('folder: writes and removes its test file', async () => {
    const dir = await tempDir();
    const r = await checkConnection('local', { type: 'folder', path: join(dir, 'out') }, dir, dir);
    expect(r.ok).toBe(true);
    expect(await readdir(join(dir, 'out', '.ingest-station-check'))).toEqual([]);
  });
});
