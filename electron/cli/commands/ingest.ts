import { loadConfigFile, defaultConfig } from '../../engine/config-file.js';
import { expandSources } from '../../engine/intake.js';
import { openStation } from '../../engine/station.js';
import { buildReport } from '../../engine/stages/report.js';
import type { TitleReport } from '../../common/report.js';
import { createProgressPrinter } from '../progress-printer.js';
import { EXIT_FAILED, EXIT_OK, type CliIo } from '../io.js';

/** `ingest <file...>`: the whole pipeline, headless. */
export async function ingest(files: string[], opts: { config?: string; json?: boolean }, io: CliIo): Promise<number> {
  const loaded = opts.config ? await loadConfigFile(opts.config) : defaultConfig(io.cwd);
  const intake = await expandSources(files);
  for (const s of intake.skipped) io.stderr(`skipped ${s.path}: ${s.reason}`);
  // The CLI runs only the titles it was given; other unfinished jobs in the work folder wait.
  const mine = new Set(intake.files);
  const station = await openStation({ config: loaded.config, baseDir: loaded.baseDir, eligible: (j) => mine.has(j.sourcePath) });
  io.stderr(`origin: ${station.origin.describe()}${station.archive ? ` · archive: ${station.archive.describe()}` : ''}`);
  const reports: TitleReport[] = [];
  try {
    const off = station.queue.onUpdate(createProgressPrinter(io.stderr));
    const jobs = await station.queue.add(intake.files);
    for (const job of jobs) {
      await station.queue.waitFor(job.id);
      const rec = station.queue.get(job.id);
      if (rec) reports.push(rec.report ?? buildReport(rec));
    }
    off();
  } finally {
    await station.close();
  }
  for (const r of reports) {
    const master = r.uploads.find((u) => u.destination === station.origin.name && u.key.endsWith('/master.m3u8'));
    if (r.state === 'done') io.stderr(`${r.title}: done — ${r.uploads.length} objects delivered; master playlist at ${master ? station.origin.locate(master.key) : '?'}`);
    else io.stderr(`${r.title}: ${r.state} — ${r.error ?? 'no reason recorded'}`);
  }
  if (opts.json) io.stdout(JSON.stringify({ titles: reports, skipped: intake.skipped }, null, 2));
  const ok = reports.length > 0 && reports.every((r) => r.state === 'done') && intake.skipped.length === 0;
  return ok ? EXIT_OK : EXIT_FAILED;
}
