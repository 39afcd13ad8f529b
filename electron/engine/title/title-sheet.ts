/**
 * Title IDs for a batch: a `titles.csv` beside the masters (or given to the CLI with --titles)
 * maps each master to the platform's own ID. Columns, by header: `file` (the master's file name,
 * or its path relative to the sheet), `title_id`, and optionally `replace` (yes/true/1). Parsed with
 * csv-parse (quoted fields, BOM, CRLF), each row checked: an unknown column, a bad title ID or a
 * file named twice is an error naming the row.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { TitleRequest } from '../../common/jobs.js';
import { titleIdSchema } from '../../common/title.js';
import { describeZodError } from '../../common/config.js';
import { StationError } from '../util/errors.js';

export const TITLE_SHEET = 'titles.csv';

interface Row {
  file: string;
  request: TitleRequest;
}

export class TitleSheet {
  private constructor(
    /** The sheet's folder (rows may name masters relative to it); none for a sheet given as text: names only. */
    private readonly dir: string | undefined,
    private readonly rows: Row[],
    readonly path: string,
  ) {}

  static async read(path: string): Promise<TitleSheet> {
    return TitleSheet.parse(await readFile(path), path, dirname(resolve(path)));
  }

  /** A sheet's text (the window hands over the file the operator chose); `where` names it in errors. */
  static parse(text: string | Buffer, where: string, dir?: string): TitleSheet {
    const path = where;
    let records: Array<Record<string, string>>;
    try {
      records = parse(text, {
        columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
        bom: true,
        skip_empty_lines: true,
        trim: true,
      });
    } catch (err) {
      throw new StationError(
        `${path} is not a readable CSV sheet of title IDs: ${(err as Error).message}`,
        'title-sheet',
      );
    }
    const rows: Row[] = [];
    const seen = new Set<string>();
    records.forEach((r, i) => {
      const where = `${path} row ${i + 2}`;
      const unknown = Object.keys(r).filter((k) => !['file', 'title_id', 'replace'].includes(k));
      if (unknown.length)
        throw new StationError(
          `${where}: unknown column ${unknown.join(', ')} (columns: file, title_id, replace)`,
          'title-sheet',
        );
      if (!r.file) throw new StationError(`${where}: no file`, 'title-sheet');
      if (seen.has(r.file)) throw new StationError(`${where}: ${r.file} is named twice`, 'title-sheet');
      seen.add(r.file);
      const request: TitleRequest = {};
      if (r.title_id) {
        const id = titleIdSchema.safeParse(r.title_id);
        if (!id.success)
          throw new StationError(
            `${where}: "${r.title_id}" cannot be a title ID: ${describeZodError(id.error)}`,
            'title-sheet',
          );
        request.titleId = id.data;
      }
      if (r.replace && /^(yes|true|1|y)$/i.test(r.replace)) request.replace = true;
      rows.push({ file: r.file, request });
    });
    return new TitleSheet(dir, rows, path);
  }

  /** The request for a master, matched by its path relative to the sheet, then by file name. */
  requestFor(masterPath: string): TitleRequest | undefined {
    const rel = this.dir === undefined ? undefined : relative(this.dir, masterPath).split(sep).join('/');
    return (this.rows.find((r) => r.file === rel) ?? this.rows.find((r) => r.file === basename(masterPath)))?.request;
  }

  /** Rows that named no master of the batch (a typo in a file name must not pass silently). */
  unmatched(masters: string[]): string[] {
    return this.rows.filter((r) => !masters.some((m) => this.requestFor(m) === r.request)).map((r) => r.file);
  }
}
