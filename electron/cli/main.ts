/**
 * `ingest-station` — the headless station for supplier-side automation and offline transcodes.
 * Exit codes: 0 success, 1 a title failed (reason on stderr), 2 usage error.
 */
import { Command, CommanderError } from 'commander';
import type { TitleReport } from '../common/report.js';
import { loadConfigFile, defaultConfig } from '../engine/config-file.js';
import { expandSources } from '../engine/intake.js';
import { openStation } from '../engine/station.js';
import { buildReport } from '../engine/stages/report.js';
import { StationError, errorMessage } from '../engine/util/errors.js';
import { createProgressPrinter } from './progress-printer.js';
import { locateTools } from '../engine/ffmpeg/locate.js';
import { verifyPackage } from '../engine/stages/verify.js';
import { resolve } from 'node:path';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
}

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

async function ingest(files: string[], opts: { config?: string; json?: boolean }, io: CliIo): Promise<number> {
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

async function verify(packageDir: string, opts: { json?: boolean; manifestSha256?: string; noDecode?: boolean }, io: CliIo): Promise<number> {
  const { ffprobe } = locateTools();
  const dir = resolve(io.cwd, packageDir);
  let last = 0;
  const result = await verifyPackage({
    packageDir: dir,
    ffprobePath: ffprobe,
    mode: 'check',
    ...(opts.manifestSha256 ? { expectedManifestSha256: opts.manifestSha256.toLowerCase() } : {}),
    ...(opts.noDecode ? { decode: false } : {}),
    onProgress: (done, total) => {
      // A line at every 10 %: enough to see it move on a 10,000-chunk title without flooding logs.
      const step = Math.floor((done / Math.max(1, total)) * 10);
      if (step > last) {
        last = step;
        io.stderr(`verify · ${done} / ${total} segments checked`);
      }
    },
  });
  if (opts.json) io.stdout(JSON.stringify({ packageDir: dir, ok: result.problems.length === 0, segmentsChecked: result.segmentsChecked, filesHashed: result.filesHashed, problems: result.problems }, null, 2));
  if (result.problems.length === 0) {
    io.stderr(`${dir}: verified — ${result.filesHashed} files match the manifest, ${result.segmentsChecked} segments decoded`);
    return EXIT_OK;
  }
  io.stderr(`${dir}: ${result.problems.length} problem${result.problems.length > 1 ? 's' : ''}`);
  for (const p of result.problems) io.stderr(`  ${p.file}: ${p.problem} — ${p.detail}`);
  return EXIT_FAILED;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode = EXIT_OK;
  const program = new Command()
    .name('ingest-station')
    .description('Probe, transcode, verify and upload source masters as HLS packages.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s.trimEnd()), writeErr: (s) => io.stderr(s.trimEnd()) })
    .showHelpAfterError();

  program
    .command('ingest')
    .description('run the whole pipeline on source masters (files or folders), headless')
    .argument('<file...>', 'source masters or folders of masters')
    .option('--config <file>', 'station config (destinations, origin, archive); default: a folder destination ./ingest-output')
    .option('--json', 'print the final report as JSON on stdout')
    .action(async (files: string[], opts: { config?: string; json?: boolean }) => {
      exitCode = await ingest(files, opts, io);
    });

  program
    .command('verify')
    .description('check a package against its manifest: structure, every segment decoded, every file hashed')
    .argument('<packageDir>', 'package folder (holds master.m3u8 and manifest.json)')
    .option('--json', 'print the result (every problem: file, problem, detail) as JSON on stdout')
    .option('--manifest-sha256 <hex>', "the manifest's SHA-256 from the title's report, to detect a manifest edited by hand")
    .option('--no-decode', 'skip decoding (structure and hashes only)')
    .action(async (packageDir: string, opts: { json?: boolean; manifestSha256?: string; decode?: boolean }) => {
      exitCode = await verify(packageDir, { ...opts, noDecode: opts.decode === false }, io);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    io.stderr(`error: ${errorMessage(err)}`);
    // A config file that cannot be read or is invalid is a usage error, like a bad flag.
    return err instanceof StationError && err.code.startsWith('config-') ? EXIT_USAGE : EXIT_FAILED;
  }
}
