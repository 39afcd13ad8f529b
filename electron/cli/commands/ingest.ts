import { loadConfigFile, defaultConfig } from '../../engine/config-file.js';
import { expandSources } from '../../engine/intake.js';
import { openStation } from '../../engine/station.js';
import { buildReport } from '../../engine/title/title-report.js';
import type { TitleReport } from '../../common/report.js';
import { createProgressPrinter } from '../progress-printer.js';
import { DRM_FLAG_HELP, drmLines, drmSummary, withDrm, type DrmSummary } from '../drm-flag.js';
import { EXIT_FAILED, EXIT_OK, type CliIo } from '../io.js';
import { StationError } from '../../engine/util/errors.js';
import { perTitleLines } from '../../common/ladder.js';
import { resolve } from 'node:path';
import { contentOverrides, type ContentFlags } from '../content-flags.js';
import type { Command } from 'commander';
import type { CliContext } from '../command.js';
import { addContentFlags } from '../content-flags.js';

interface IngestOptions extends ContentFlags {
  config?: string;
  json?: boolean;
  /** The platform's own ID for the one master given. */
  titleId?: string;
  replace?: boolean;
  /** A CSV sheet of title IDs for a batch (see engine/title/title-sheet.ts). */
  titles?: string;
  /** Studio DRM on, with the config's drm section (or its defaults). */
  drm?: boolean;
}

/** `ingest <file...>`: the whole pipeline, headless. */
export async function ingest(files: string[], opts: IngestOptions, io: CliIo): Promise<number> {
  const loaded = opts.config ? await loadConfigFile(resolve(io.cwd, opts.config)) : defaultConfig(io.cwd);
  const overrides = contentOverrides(opts);
  const intake = await expandSources(
    files.map((f) => resolve(io.cwd, f)),
    opts.titles ? { sheet: resolve(io.cwd, opts.titles) } : {},
  );
  for (const s of intake.skipped) io.stderr(`skipped ${s.path}: ${s.reason}`);
  for (const n of intake.notes) io.stderr(`note: ${n}`);
  if (opts.titleId || opts.replace) {
    if (opts.titleId && intake.files.length !== 1)
      throw new StationError(
        `--title-id names one title, but ${intake.files.length} masters were given: use --titles <sheet.csv> for a batch`,
        'config-title-id',
      );
    for (const f of intake.files)
      intake.requests[f] = {
        ...intake.requests[f],
        ...(opts.titleId ? { titleId: opts.titleId } : {}),
        ...(opts.replace ? { replace: true } : {}),
      };
  }
  // The CLI runs only the titles it was given; other unfinished jobs in the work folder wait.
  const mine = new Set(intake.files);
  const station = await openStation({
    config: withDrm(loaded.config, opts.drm),
    baseDir: loaded.baseDir,
    eligible: (j) => mine.has(j.sourcePath),
    warn: (s) => io.stderr(`warning: ${s}`),
  });
  io.stderr(
    `origin: ${station.origin.describe()}${station.archive ? ` · archive: ${station.archive.describe()}` : ''}`,
  );
  const ffprobeWarning = (() => {
    try {
      return station.tools().ffprobeWarning;
    } catch {
      return undefined; // no ffmpeg: each title fails at its probe with the reason
    }
  })();
  if (ffprobeWarning) io.stderr(`warning: ${ffprobeWarning}`);
  const reports: TitleReport[] = [];
  const drm: Record<string, DrmSummary> = {};
  try {
    const off = station.queue.onUpdate(createProgressPrinter(io.stderr));
    const jobs = await station.queue.add(intake.files, intake.requests, { overrides });
    for (const job of jobs) {
      await station.queue.waitFor(job.id);
      const rec = station.queue.get(job.id);
      if (rec) reports.push(rec.report ?? buildReport(rec));
      const d = rec && drmSummary(rec);
      if (d) drm[rec.title] = d;
    }
    off();
  } finally {
    await station.close();
  }
  for (const r of reports) {
    const entry = r.titleId ? station.origin.locate(`${r.titleId}/master.m3u8`) : '?';
    if (r.state === 'done')
      io.stderr(
        `${r.title}: done as ${r.titleId ?? '?'} — ${r.uploads.length} objects delivered; master playlist at ${entry}`,
      );
    if (r.ladder?.perTitle) for (const line of perTitleLines(r.ladder.perTitle)) io.stderr(line);
    else io.stderr(`${r.title}: ${r.state} — ${r.error ?? 'no reason recorded'}`);
    for (const l of drm[r.title] ? drmLines(drm[r.title]!) : []) io.stderr(l);
  }
  if (opts.json) io.json({ titles: reports, skipped: intake.skipped, ...(Object.keys(drm).length ? { drm } : {}) });
  const ok = reports.length > 0 && reports.every((r) => r.state === 'done') && intake.skipped.length === 0;
  return ok ? EXIT_OK : EXIT_FAILED;
}

/** `ingest <file...>` on the command line. */
export function registerIngest(program: Command, cli: CliContext): void {
  addContentFlags(program.command('ingest'))
    .description('run the whole pipeline on source masters (files or folders), headless')
    .argument('<file...>', 'source masters or folders of masters')
    .option(
      '--config <file>',
      'station config (destinations, origin, archive); default: a folder destination ./ingest-output',
    )
    .option(
      '--title-id <id>',
      "the platform's own title ID for the one master given (default: derived from the file name)",
    )
    .option(
      '--titles <sheet.csv>',
      'title IDs for a batch: CSV with columns file, title_id[, replace] (a titles.csv beside the masters is read too)',
    )
    .option(
      '--replace',
      'publish the master in place of what its title ID holds (a corrected re-delivery; the old version is retired)',
    )
    .option('--drm', DRM_FLAG_HELP)
    .option('--json', 'print the final report as JSON on stdout')
    .action(async (files: string[], opts: IngestOptions) => {
      cli.exit(await ingest(files, opts, cli.io));
    });
}
