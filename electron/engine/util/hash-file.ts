import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { openRegularFile } from './regular-file.js';

export interface FileDigest {
  size: number;
  /** Hex MD5: what S3 ETags and Content-MD5 are built from. */
  md5: string;
  /** Hex SHA-256: the manifest's integrity proof. */
  sha256: string;
}

/** MD5 and SHA-256 of a file in one streaming read (never the whole file in memory). */
export async function hashFile(path: string, signal?: AbortSignal): Promise<FileDigest> {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  let size = 0;
  const stream = createReadStream('', { fd: await openRegularFile(path), highWaterMark: 1 << 20, signal });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    md5.update(chunk);
    sha256.update(chunk);
    size += chunk.length;
  }
  return { size, md5: md5.digest('hex'), sha256: sha256.digest('hex') };
}

export function md5HexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}
