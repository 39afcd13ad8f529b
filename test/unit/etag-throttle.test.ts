/**
 * The ETag and throttle rules every upload path shares (transfer/etag.ts, transfer/retry.ts): one
 * module each, so a single PUT, a multipart part and a streamed upload judge the store alike.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { S3ServiceException } from '@aws-sdk/client-s3';
import {
  etagContradicts,
  isMultipartEtag,
  isPlainMd5,
  multipartEtag,
  unquote,
} from '../../electron/engine/transfer/etag';
import { isRetryable, isThrottle } from '../../electron/engine/transfer/retry';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

describe('ETag rules', () => {
  it('unquotes what HTTP quoted, and gives "" for no ETag (radosgw’s Complete)', () => {
    expect(unquote('"abc"')).toBe('abc');
    expect(unquote('abc')).toBe('abc');
    expect(unquote(undefined)).toBe('');
  });

  it('a plain-MD5 ETag must equal the local MD5; other ETags prove nothing either way', () => {
    const local = md5('part');
    expect(etagContradicts(local, local)).toBe(false);
    expect(etagContradicts(md5('other bytes'), local)).toBe(true);
    expect(etagContradicts(`${md5('x')}-3`, local)).toBe(false);
    expect(etagContradicts('', local)).toBe(false);
    // An encrypted store's opaque ETag is not an MD5.
    expect(etagContradicts('Zm9vYmFy', local)).toBe(false);
  });

  it('tells a plain MD5 from a multipart ETag', () => {
    expect(isPlainMd5(md5('a'))).toBe(true);
    expect(isPlainMd5(`${md5('a')}-2`)).toBe(false);
    expect(isMultipartEtag(`${md5('a')}-2`)).toBe(true);
    expect(isMultipartEtag(md5('a'))).toBe(false);
  });

  it('a multipart ETag is the MD5 of the binary part MD5s, "-", the part count', () => {
    const parts = [md5('one'), md5('two')];
    const expected = createHash('md5')
      .update(Buffer.concat(parts.map((p) => Buffer.from(p, 'hex'))))
      .digest('hex');
    expect(multipartEtag(parts)).toBe(`${expected}-2`);
  });
});

const s3Error = (name: string, status: number): S3ServiceException =>
  new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });

describe('the throttle rule', () => {
  it.each([
    ['SlowDown (503)', s3Error('SlowDown', 503)],
    ['a bare 503', s3Error('Unknown', 503)],
    ['429 Too Many Requests', s3Error('TooManyRequests', 429)],
    ['a request timeout', s3Error('RequestTimeout', 400)],
    ['an SDK timeout', Object.assign(new Error('socket timed out'), { name: 'TimeoutError' })],
  ])('%s: fewer in flight, and retried', (_name, err) => {
    expect(isThrottle(err)).toBe(true);
    expect(isRetryable(err)).toBe(true);
  });

  it.each([
    [
      'a reset (retried, but not the store pushing back)',
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    ],
    ['a 500', s3Error('InternalError', 500)],
    ['access denied', s3Error('AccessDenied', 403)],
  ])('%s: no throttle', (_name, err) => {
    expect(isThrottle(err)).toBe(false);
  });
});
