import { TEST_CREDENTIALS } from './s3';

/** The environment aws-cli and rclone (the peers the benchmarks measure against) need for a store at `endpoint`. */
export function peerEnv(endpoint: string, awsConfig: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: awsConfig,
    RCLONE_CONFIG: '/dev/null',
    RCLONE_CONFIG_LOC_TYPE: 's3',
    RCLONE_CONFIG_LOC_PROVIDER: 'Ceph',
    RCLONE_CONFIG_LOC_ENDPOINT: endpoint,
    RCLONE_CONFIG_LOC_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    RCLONE_CONFIG_LOC_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    RCLONE_CONFIG_LOC_REGION: 'us-east-1',
    RCLONE_CONFIG_LOC_FORCE_PATH_STYLE: 'true',
  };
  delete env.AWS_CA_BUNDLE; // rclone 1.60 fails on this machine's CA bundle variable
  return env;
}
