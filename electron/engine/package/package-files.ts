/**
 * Writing into a package folder that verify and the uploads read while it grows: every file lands
 * whole (written beside its name, then renamed), so a reader never sees half a chunk. Each writer
 * has its own suffix for the file in progress — the encoders `.encoding`, verify's encryption
 * `.encrypting` — and removes its own leftovers (from a kill -9 mid-write) when it starts, without
 * touching the other's file in flight.
 */
import { readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type Writer = 'encoding' | 'encrypting';

export async function writeWhole(path: string, bytes: Uint8Array | string, writer: Writer): Promise<void> {
  const partial = `${path}.${writer}`;
  await writeFile(partial, bytes);
  await rename(partial, path);
}

/** Remove what `writer` left half-written anywhere under the package folder. */
export async function removePartials(packageDir: string, writer: Writer): Promise<number> {
  const entries = await readdir(packageDir, { recursive: true, withFileTypes: true }).catch(() => []);
  let removed = 0;
  for (const e of entries) {
    if (!e.isFile() || !e.name.endsWith(`.${writer}`)) continue;
    await rm(join(e.parentPath, e.name), { force: true });
    removed++;
  }
  return removed;
}
