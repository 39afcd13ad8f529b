import { CreateBucketCommand, PutBucketVersioningCommand, type S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { s3DestinationSchema, type S3DestinationConfig } from '../../electron/common/config';
import { createS3Client } from '../../electron/engine/destinations/s3';

export const TEST_CREDENTIALS = { accessKeyId: 'AKTEST', secretAccessKey: 'SKTEST' };

/**
 * A fresh bucket on the test radosgw, and a destination config pointing at it. `bucket.versioned`:
 * versioning on (PutBucketVersioning); `bucket.objectLock`: made with Object Lock (which implies
 * versioning) — both as Backblaze B2 and a worthwhile archive are in real life.
 */
export async function freshBucket(
  endpoint: string,
  prefix = '',
  extra: Partial<S3DestinationConfig> = {},
  bucket: { versioned?: boolean; objectLock?: boolean } = {},
): Promise<{ cfg: S3DestinationConfig; client: S3Client }> {
  const cfg = s3DestinationSchema.parse({
    type: 's3',
    endpoint,
    region: 'us-east-1',
    bucket: `t-${randomBytes(6).toString('hex')}`,
    prefix,
    forcePathStyle: true,
    ...TEST_CREDENTIALS,
    ...extra,
  });
  const client = createS3Client(cfg);
  await client.send(
    new CreateBucketCommand({ Bucket: cfg.bucket, ...(bucket.objectLock ? { ObjectLockEnabledForBucket: true } : {}) }),
  );
  if (bucket.versioned)
    await client.send(
      new PutBucketVersioningCommand({ Bucket: cfg.bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
  return { cfg, client };
}

/**
 * A second radosgw user whose rights on `bucket` are exactly a policy the README documents
 * (docs/policies/<role>-bucket-policy.json, its placeholders filled in), set by the bucket's owner:
 * the station run with this key is run with the least privilege an operator would give it.
 */
export async function keyWithDocumentedPolicy(
  dir: string,
  owner: S3Client,
  bucket: string,
  role: 'origin' | 'archive',
): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const { execFile } = await import('node:child_process');
  const { readFile } = await import('node:fs/promises');
  const { join, resolve } = await import('node:path');
  const { PutBucketPolicyCommand } = await import('@aws-sdk/client-s3');
  const uid = `station-${randomBytes(4).toString('hex')}`;
  const key = {
    accessKeyId: `AK${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(20).toString('hex'),
  };
  await new Promise<void>((done, fail) =>
    execFile(
      'radosgw-admin',
      [
        '-c',
        join(dir, 'ceph.conf'),
        'user',
        'create',
        `--uid=${uid}`,
        `--display-name=${uid}`,
        `--access-key=${key.accessKeyId}`,
        `--secret=${key.secretAccessKey}`,
      ],
      { timeout: 30_000 },
      (err) => (err ? fail(err) : done()),
    ),
  );
  const text = await readFile(resolve(import.meta.dirname, `../../docs/policies/${role}-bucket-policy.json`), 'utf8');
  const policy = text
    .replaceAll('arn:aws:iam::ACCOUNT-ID:user/ingest-station', `arn:aws:iam:::user/${uid}`)
    .replaceAll(`${role.toUpperCase()}-BUCKET`, bucket);
  await owner.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy }));
  return key;
}

/** Every key under a prefix, paged, sorted (radosgw omits KeyCount: the contents are counted). */
export async function listKeys(client: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
    );
    for (const o of page.Contents ?? []) keys.push(o.Key!);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}
