/**
 * One interface for every place a package can go. `s3` covers any S3-compatible store (Backblaze
 * B2, AWS, radosgw); `folder` covers a local or mounted directory (the default for offline work).
 */
export interface PutRequest {
  localPath: string;
  /** Key relative to the destination's root (prefix is applied by the destination). */
  key: string;
  size: number;
  /** Hex MD5 of the local file, from the manifest: sent as Content-MD5 and checked after writing. */
  md5: string;
  contentType?: string;
  signal?: AbortSignal;
  /** Bytes acknowledged by the destination so far for this object. */
  onProgress?: (ackedBytes: number) => void;
}

export interface PutResult {
  /** True when an identical object (same size and MD5) was already there. */
  skipped: boolean;
}

export interface RemoteObject {
  key: string;
  size: number;
  /** Store's ETag without quotes (S3), when known. */
  etag?: string;
}

export interface Destination {
  readonly name: string;
  readonly kind: 's3' | 'folder';
  /** Human location: "s3://bucket/prefix" or "/mnt/origin". No credentials. */
  describe(): string;
  /** Where one object lives, for humans: "s3://bucket/prefix/key" or an absolute file path. */
  locate(key: string): string;
  put(req: PutRequest): Promise<PutResult>;
  head(key: string): Promise<RemoteObject | undefined>;
  /** Every object under a key prefix (paged where the store pages). */
  list(prefix: string): AsyncIterable<RemoteObject>;
  /** The object's bytes (for read-back checks and deep audits). */
  read(key: string): Promise<Uint8Array>;
  close(): void;
}

const CONTENT_TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  ts: 'video/mp2t',
  json: 'application/json',
  mpd: 'application/dash+xml',
};

export function contentTypeFor(key: string): string {
  const ext = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

/** Keys are slash-separated and may not climb out of the destination root. */
export function assertSafeKey(key: string): void {
  if (!key || key.startsWith('/') || key.split('/').some((p) => p === '..' || p === '') || key.includes('\\') || key.includes('\0')) {
    throw new Error(`Unsafe object key: ${JSON.stringify(key)}`);
  }
}

export function joinKey(...parts: string[]): string {
  return parts
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
}
