/**
 * What bites on B2 and on throttling stores: storage classes checked when the config is read (a
 * typo or an archive class on B2 is an error now, not a failed upload hours later); a 503's
 * Retry-After honoured; the b2 preset signs each body's SHA-256 while the others send
 * UNSIGNED-PAYLOAD (checked on the wire against a local capture server).
 */
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { s3DestinationSchema, stationConfigSchema, describeZodError } from '../../electron/common/config';
import { createS3Client } from '../../electron/engine/destinations/s3';
import { RETRY_AFTER_CAP_MS, retryAfterMs, withRetry } from '../../electron/engine/transfer/retry';

const config = (dest: Record<string, unknown>) =>
  stationConfigSchema.safeParse({
    destinations: { o: { type: 's3', bucket: 'films', accessKeyId: 'k', secretAccessKey: 's', ...dest } },
    origin: 'o',
  });

describe('storage classes at config time', () => {
  it('refuses DEEP_ARCHIVE on the b2 preset and a typo anywhere, with a sentence', () => {
    const b2 = config({ preset: 'b2', region: 'us-west-004', storageClass: 'DEEP_ARCHIVE' });
    expect(b2.success).toBe(false);
    expect(describeZodError(b2.error!)).toMatch(
      /destinations\.o\.storageClass: Backblaze B2 stores everything in one class and answers NotImplemented to DEEP_ARCHIVE/,
    );
    const typo = config({ preset: 'aws', storageClass: 'DEEP_ARCHVE' });
    expect(describeZodError(typo.error!)).toMatch(/"DEEP_ARCHVE" is not an S3 storage class/);
    expect(config({ preset: 'aws', storageClass: 'DEEP_ARCHIVE' }).success).toBe(true);
    expect(config({ preset: 'b2', region: 'us-west-004', storageClass: 'STANDARD' }).success).toBe(true);
    expect(config({ preset: 'b2', region: 'us-west-004' }).success).toBe(true);
  });
});

describe('Retry-After', () => {
  it('seconds or an HTTP date; capped', () => {
    expect(retryAfterMs({ $response: { headers: { 'retry-after': '3' } } })).toBe(3000);
    expect(
      retryAfterMs({ $response: { headers: { 'retry-after': new Date(10_000 + 5000).toUTCString() } } }, 10_000),
    ).toBeGreaterThanOrEqual(4000);
    expect(retryAfterMs({ $response: { headers: {} } })).toBeUndefined();
    expect(retryAfterMs(new Error('x'))).toBeUndefined();
    expect(RETRY_AFTER_CAP_MS).toBe(120_000);
  });

  it('a SlowDown with Retry-After: 1 waits about a second, not the policy backoff', async () => {
    const delays: number[] = [];
    let calls = 0;
    const slow = Object.assign(new Error('Please reduce your request rate.'), {
      name: 'SlowDown',
      $metadata: { httpStatusCode: 503 },
      $response: { headers: { 'retry-after': '1' } },
    });
    const t = performance.now();
    await withRetry(
      'PUT x',
      async () => {
        if (++calls === 1) throw slow;
        return 'ok';
      },
      { policy: { attempts: 3, baseMs: 1, maxMs: 1 }, onRetry: (_e, _a, d) => delays.push(d) },
    );
    expect(delays).toEqual([1000]);
    expect(performance.now() - t).toBeGreaterThanOrEqual(950);
  });
});

describe('payload signing', () => {
  it('b2 signs the SHA-256 of the body; generic sends UNSIGNED-PAYLOAD with Content-MD5', async () => {
    const seen: Array<string | undefined> = [];
    const server = createServer((req, res) => {
      seen.push(req.headers['x-amz-content-sha256'] as string | undefined);
      req.resume();
      req.on('end', () => res.writeHead(200, { etag: '"x"' }).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const body = Buffer.from('a chunk of a film');
    const md5 = createHash('md5').update(body).digest('base64');
    try {
      for (const preset of ['b2', 'generic'] as const) {
        const client = createS3Client(
          s3DestinationSchema.parse({
            type: 's3',
            preset,
            endpoint,
            region: 'us-west-004',
            bucket: 'films',
            forcePathStyle: true,
            accessKeyId: 'k',
            secretAccessKey: 's',
          }),
        );
        await client.send(new PutObjectCommand({ Bucket: 'films', Key: 'c.m4s', Body: body, ContentMD5: md5 }));
        client.destroy();
      }
    } finally {
      server.close();
    }
    expect(seen).toEqual([createHash('sha256').update(body).digest('hex'), 'UNSIGNED-PAYLOAD']);
  });
});

describe('B2 "no tomes available"', () => {
  it('is retried on a new connection, not on the keep-alive connection that answered it', async () => {
    // Each request's connection (client port); the first PUT gets B2's 503.
    const ports: number[] = [];
    const server = createServer((req, res) => {
      ports.push(req.socket.remotePort!);
      req.resume();
      req.on('end', () => {
        if (ports.length === 2) {
          res
            .writeHead(503, { 'content-type': 'application/xml' })
            .end(
              '<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>no tomes available</Message></Error>',
            );
        } else res.writeHead(200, { etag: '"x"' }).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = createS3Client(
      s3DestinationSchema.parse({
        type: 's3',
        preset: 'b2',
        endpoint,
        region: 'us-west-004',
        bucket: 'films',
        forcePathStyle: true,
        accessKeyId: 'k',
        secretAccessKey: 's',
      }),
    );
    const put = (): Promise<unknown> =>
      client.send(new PutObjectCommand({ Bucket: 'films', Key: 'c.m4s', Body: Buffer.from('x') }));
    try {
      await put(); // opens the keep-alive connection
      await withRetry('PUT c.m4s', put, { policy: { attempts: 3, baseMs: 1, maxMs: 1 } });
    } finally {
      client.destroy();
      server.close();
    }
    expect(ports).toHaveLength(3);
    expect(ports[1]).toBe(ports[0]); // keep-alive: the second request reused the first's connection
    expect(ports[2]).not.toBe(ports[1]); // the retry after "no tomes available" did not
  });
});
