/**
 * Intake: turn what the operator handed us (files, folders) into source masters to queue.
 * Files named explicitly are always taken (probe decides whether they are media); folders are
 * walked and only files with a media extension are taken, the rest noted as skipped. Sources are
 * only stat'ed and listed here — never opened for writing, moved or renamed.
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';

export const MEDIA_EXTENSIONS = new Set([
  '.mov', '.mp4', '.m4v', '.mxf', '.mkv', '.avi', '.ts', '.m2ts', '.mts', '.mpg', '.mpeg', '.webm', '.y4m', '.dv', '.wmv',
]);

export interface IntakeResult {
  files: string[];
  skipped: Array<{ path: string; reason: string }>;
}

export async function expandSources(paths: string[]): Promise<IntakeResult> {
  const result: IntakeResult = { files: [], skipped: [] };
  const seen = new Set<string>();
  const take = (p: string): void => {
    if (!seen.has(p)) {
      seen.add(p);
      result.files.push(p);
    }
  };
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory()) await walk(full);
      else if (e.isFile() && MEDIA_EXTENSIONS.has(extname(e.name).toLowerCase())) take(full);
      else if (e.isFile()) result.skipped.push({ path: full, reason: 'not a media file extension' });
    }
  };
  for (const raw of paths) {
    const p = resolve(raw);
    let st;
    try {
      st = await stat(p);
    } catch {
      result.skipped.push({ path: p, reason: 'does not exist or cannot be read' });
      continue;
    }
    if (st.isDirectory()) await walk(p);
    else if (st.isFile()) take(p);
    else result.skipped.push({ path: p, reason: 'not a regular file' });
  }
  return result;
}
