import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { s3DestinationSchema, type S3DestinationConfig } from '../../electron/common/config';
import { createS3Client } from '../../electron/engine/destinations/s3';

export const TEST_CREDENTIALS = { accessKeyId: 'AKTEST', secretAccessKey: 'SKTEST' };

/** A fresh bucket on the test radosgw, and a destination config pointing at it. */
export async function freshBucket(
  endpoint: string,
  prefix = '',
  extra: Partial<S3DestinationConfig> = {},
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
  await client.send(new CreateBucketCommand({ Bucket: cfg.bucket }));
  return { cfg, client };
}
