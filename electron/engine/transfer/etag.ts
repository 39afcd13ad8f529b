/**
 * The ETag rules, in one place for every upload path (single PUTs in destinations/s3.ts, the
 * multipart session, streamed uploads): what an ETag the store returns proves about the bytes.
 * A single PUT's ETag is the body's MD5 — unless the store encrypts with KMS or a customer key,
 * when it is opaque; a multipart object's is the MD5 of its parts' binary MD5s, "-", the part count.
 */
import { createHash } from 'node:crypto';

/** The ETag without the quotes HTTP puts around it; '' when the store sent none (radosgw's Complete). */
export function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

/** An ETag that is a plain MD5 (32 hex digits): what a single PUT or one part of an upload yields. */
export function isPlainMd5(etag: string): boolean {
  return /^[0-9a-f]{32}$/.test(etag);
}

/** A multipart object's ETag (`<md5>-<parts>`). */
export function isMultipartEtag(etag: string): boolean {
  return /^[0-9a-f]{32}-\d+$/.test(etag);
}

/**
 * The rule: a plain-MD5 ETag must equal the local MD5 — if it differs the store holds other bytes.
 * Any other ETag (empty, multipart, an encrypted store's opaque one) proves nothing either way.
 */
export function etagContradicts(etag: string, md5: string): boolean {
  return isPlainMd5(etag) && etag !== md5;
}

/** The ETag S3 gives a multipart object: MD5 of the concatenated binary part MD5s, "-", part count. */
export function multipartEtag(partMd5Hex: string[]): string {
  const h = createHash('md5');
  for (const m of partMd5Hex) h.update(Buffer.from(m, 'hex'));
  return `${h.digest('hex')}-${partMd5Hex.length}`;
}
