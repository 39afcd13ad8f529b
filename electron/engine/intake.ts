/**
 * Intake: turn what the operator handed us (files, folders) into source masters to queue.
 * Files named explicitly are always taken (probe decides whether they are media); folders are
 * walked and only files with a media extension are taken, the rest noted as skipped. A
 * `titles.csv` beside masters gives their title IDs (engine/title/title-sheet.ts). Sources are
 * only stat'ed and listed here — never opened for writing, moved or renamed.
 */
import { readdir, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import type { TitleRequest } from '../common/jobs.js';
import { TITLE_SHEET, TitleSheet } from './title/title-sheet.js';
import { fileKind, notAFile, notRegularFile } from './util/regular-file.js';

const NOT_REGULAR = 'not a regular file: refused before anything opened it';

export const MEDIA_EXTENSIONS = new Set([
  '.mov',
  '.mp4',
  '.m4v',
  '.mxf',
  '.mkv',
  '.avi',
  '.ts',
  '.m2ts',
  '.mts',
  '.mpg',
  '.mpeg',
  '.webm',
  '.y4m',
  '.dv',
  '.wmv',
]);

export interface IntakeResult {
  files: string[];
  skipped: Array<{ path: string; reason: string }>;
  /** Per master: what a title sheet (or the caller) asked for its title. */
  requests: Record<string, TitleRequest>;
  /** Things the operator should know (a sheet row that matched no master). */
  notes: string[];
}

/** A title sheet that applies to these masters: `sheet` if given, else a titles.csv in their folders. */
async function applySheets(result: IntakeResult, sheet: string | undefined): Promise<void> {
  const sheets = new Map<string, TitleSheet | undefined>();
  const read = async (path: string): Promise<TitleSheet> => {
    const problem = await notRegularFile(path);
    if (problem) throw notAFile(problem);
    return TitleSheet.read(path);
  };
  const sheetFor = async (path: string): Promise<TitleSheet | undefined> => {
    if (sheet) return (sheets.get(sheet) ?? sheets.set(sheet, await read(sheet)).get(sheet))!;
    const candidate = join(dirname(path), TITLE_SHEET);
    if (!sheets.has(candidate))
      sheets.set(
        candidate,
        await stat(candidate).then(
          () => read(candidate),
          () => undefined,
        ),
      );
    return sheets.get(candidate);
  };
  for (const f of result.files) {
    const request = (await sheetFor(f))?.requestFor(f);
    if (request && (request.titleId || request.replace)) result.requests[f] = request;
  }
  for (const s of sheets.values()) {
    for (const file of s?.unmatched(result.files) ?? [])
      result.notes.push(`${s!.path}: ${file} matches none of the masters added`);
  }
}

export async function expandSources(paths: string[], opts: { sheet?: string } = {}): Promise<IntakeResult> {
  const result: IntakeResult = { files: [], skipped: [], requests: {}, notes: [] };
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
      else if (e.isFile() && e.name !== TITLE_SHEET)
        result.skipped.push({ path: full, reason: 'not a media file extension' });
      else if (!e.isFile() && !e.isSymbolicLink())
        result.skipped.push({ path: full, reason: `${fileKind(e)}, ${NOT_REGULAR}` });
    }
  };
  // A path the operator named: what it points at decides.
  const takeNamed = async (p: string): Promise<void> => {
    let st;
    try {
      st = await stat(p);
    } catch {
      result.skipped.push({ path: p, reason: 'does not exist or cannot be read' });
      return;
    }
    if (st.isDirectory()) await walk(p);
    else if (st.isFile()) take(p);
    else result.skipped.push({ path: p, reason: `${fileKind(st)}, ${NOT_REGULAR}` });
  };
  for (const raw of paths) await takeNamed(resolve(raw));
  await applySheets(result, opts.sheet);
  return result;
}
