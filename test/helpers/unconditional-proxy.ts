/**
 * A stand-in for an S3-compatible store that ignores conditional writes, in front of the test
 * radosgw: a PutObject that carries `If-None-Match` or `If-Match` is written without them and
 * answered 200, as such stores do; every other request is passed through untouched. The headers
 * are signed, so the proxy cannot just strip them: it sends the write again itself (the test's
 * credentials), with the body, type, Content-MD5 and Object Lock fields of the original.
 * `stripped` counts the writes whose precondition it dropped.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { PutObjectCommand, S3ServiceException, type ObjectLockMode } from '@aws-sdk/client-s3';
import { createS3Client } from '../../electron/engine/destinations/s3';
import { s3DestinationSchema } from '../../electron/common/config';
import { listenLoopback } from './loopback-listen';
import { TEST_CREDENTIALS } from './s3';

export interface UnconditionalProxy {
  endpoint: string;
  stripped: number;
  close(): Promise<void>;
}

const body = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => done(Buffer.concat(chunks)));
    req.on('error', fail);
  });

export async function startUnconditionalProxy(target: string): Promise<UnconditionalProxy> {
  const upstream = new URL(target);
  const client = createS3Client(
    s3DestinationSchema.parse({
      type: 's3',
      endpoint: target,
      bucket: 'any-bucket',
      forcePathStyle: true,
      ...TEST_CREDENTIALS,
    }),
  );
  const state: UnconditionalProxy = { endpoint: '', stripped: 0, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const conditional = req.headers['if-none-match'] !== undefined || req.headers['if-match'] !== undefined;
    // A PutObject (the SDK adds ?x-id=PutObject), not a part of a multipart upload.
    if (req.method === 'PUT' && conditional && !url.searchParams.has('uploadId')) {
      const [, bucket, ...rest] = url.pathname.split('/');
      const key = decodeURIComponent(rest.join('/'));
      const h = req.headers;
      void body(req)
        .then((bytes) =>
          client.send(
            new PutObjectCommand({
              Bucket: decodeURIComponent(bucket!),
              Key: key,
              Body: bytes,
              ContentLength: bytes.length,
              ...(h['content-type'] ? { ContentType: String(h['content-type']) } : {}),
              ...(h['content-md5'] ? { ContentMD5: String(h['content-md5']) } : {}),
              ...(h['x-amz-object-lock-mode']
                ? {
                    ObjectLockMode: String(h['x-amz-object-lock-mode']) as ObjectLockMode,
                    ObjectLockRetainUntilDate: new Date(String(h['x-amz-object-lock-retain-until-date'])),
                  }
                : {}),
            }),
          ),
        )
        .then(
          (out) => {
            state.stripped++;
            res.writeHead(200, {
              ...(out.ETag ? { etag: out.ETag } : {}),
              ...(out.VersionId ? { 'x-amz-version-id': out.VersionId } : {}),
            });
            res.end();
          },
          (err: unknown) => {
            const status = err instanceof S3ServiceException ? (err.$metadata.httpStatusCode ?? 500) : 500;
            res.writeHead(status, { 'content-type': 'application/xml' });
            res.end(
              `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${(err as Error).name}</Code><Message>${(err as Error).message}</Message></Error>`,
            );
          },
        );
      return;
    }
    const up = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  const listening = await listenLoopback(server);
  state.endpoint = listening.endpoint;
  state.close = async () => {
    client.destroy();
    await listening.close();
  };
  return state;
}
