/**
 * Paths that must stay inside a folder once symlinks are resolved (the QC player's package, a
 * folder destination): a lexical check is not enough, a link inside the folder can point anywhere.
 */
import { realpath } from 'node:fs/promises';
import { dirname, relative, resolve, sep, isAbsolute, join, basename } from 'node:path';
import { StationError } from './errors.js';

async function realOrNull(p: string): Promise<string | null> {
  try {
    return await realpath(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR')
      return null;
    throw err;
  }
}

/** The path with its longest existing ancestor resolved through symlinks (the rest appended). */
async function resolveExisting(path: string): Promise<string> {
  const missing: string[] = [];
  let cur = resolve(path);
  for (;;) {
    const real = await realOrNull(cur);
    if (real !== null) return join(real, ...missing.reverse());
    const parent = dirname(cur);
    if (parent === cur) return join(cur, ...missing.reverse());
    missing.push(basename(cur));
    cur = parent;
  }
}

export function isWithin(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}

/** Throws StationError 'outside-folder' when `path`, symlinks resolved, is not inside `root`. */
export async function assertInside(root: string, path: string, what: string): Promise<string> {
  const realRoot = await resolveExisting(root);
  const real = await resolveExisting(path);
  if (!isWithin(realRoot, real)) {
    throw new StationError(
      `Refused: ${path} resolves to ${real}, outside ${what} (${realRoot}) — a symbolic link points out of it`,
      'outside-folder',
    );
  }
  return real;
}
