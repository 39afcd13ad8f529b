import { open, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { SourceFingerprint } from '../../common/manifest.js';

const MIB = 1024 * 1024;

/**
 * Identify a master cheaply: size, mtime and the SHA-256 of its first and last MiB. Recognises the
 * same master dropped twice, and a master that changed since a job or upload started, without
 * reading hundreds of gigabytes. Opened read-only.
 */
export async function fingerprintFile(path: string): Promise<SourceFingerprint & { path: string }> {
  const st = await stat(path);
  const hash = createHash('sha256');
  const fh = await open(path, 'r');
  try {
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
