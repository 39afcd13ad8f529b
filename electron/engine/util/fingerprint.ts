import { createHash } from 'node:crypto';
import type { SourceFingerprint } from '../../common/manifest.js';
import { openRegularFile } from './regular-file.js';

const MIB = 1024 * 1024;

/**
 * Identify a master cheaply: size, mtime and the SHA-256 of its first and last MiB. Recognises the
 * same master dropped twice, and a master that changed since a job or upload started, without
 * reading hundreds of gigabytes. Opened read-only, and only a regular file (a named pipe would block).
 */
export async function fingerprintFile(path: string): Promise<SourceFingerprint & { path: string }> {
  const hash = createHash('sha256');
  const fh = await openRegularFile(path);
  let st;
  try {
    st = await fh.stat();
    const head = Buffer.alloc(Math.min(MIB, st.size));
    await fh.read(head, 0, head.length, 0);
    hash.update(head);
    if (st.size > MIB) {
      const tail = Buffer.alloc(Math.min(MIB, st.size - MIB));
      await fh.read(tail, 0, tail.length, st.size - tail.length);
      hash.update(tail);
    }
  } finally {
    await fh.close();
  }
  return { path, size: st.size, mtimeMs: st.mtimeMs, headTailSha256: hash.digest('hex') };
}
