import { createHash, randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';

/** A file of `size` bytes of incompressible, position-dependent content, written quickly. */
export async function makeBigFile(path: string, size: number, seed = 1): Promise<string> {
  const block = randomBytes(4 * 1024 * 1024);
  const fh = await open(path, 'w');
  try {
    for (let off = 0, i = 0; off < size; off += block.length, i++) {
      // Stamp each block so no two blocks (and no two parts) are identical.
      block.writeUInt32BE(i, 0);
      block.writeUInt32BE(seed, 4);
      await fh.write(block, 0, Math.min(block.length, size - off), off);
    }
  } finally {
    await fh.close();
  }
  return path;
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
