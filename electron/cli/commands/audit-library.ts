import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { loadConfigFile } from '../../engine/config-file.js';
import { openDestinations } from '../../engine/destinations/destination-set.js';
import { resolveWorkDir } from '../../engine/settings/config-paths.js';
import { createLibraryService } from '../../engine/audit/library-service.js';
import { StationError } from '../../engine/util/errors.js';
import { printable } from '../../common/printable.js';
import { EXIT_FAILED, EXIT_OK, type CliIo } from '../io.js';

interface LibraryCliOptions {
  dest: string;
  config: string;
  repair?: boolean;
  sample?: number;
  json?: boolean;
  confirmDeletes?: boolean;
}

/**
 * `audit --library --dest origin [--repair]`: every title the origin holds, for cron. Results are
 * kept in the work folder's library log (a killed run continues next time); exit 1 on any problem
 * left, so cron mails the operator; the webhook in the config gets each problem too.
 */
export async function auditLibraryCli(opts: LibraryCliOptions, io: CliIo): Promise<number> {
  const { config, baseDir } = await loadConfigFile(resolve(io.cwd, opts.config));
  if (opts.dest !== config.origin)
    throw new StationError(
      `--library audits the origin: --dest must name "${config.origin}" (the archive is used to repair from)`,
      'config-library-dest',
    );
  if (opts.sample !== undefined && !(Number.isInteger(opts.sample) && opts.sample >= 0))
    throw new StationError(
      '--sample takes a whole number ≥ 0 (chunks per title fetched through the public URL)',
      'config-sample',
    );
  const destinations = openDestinations(config, baseDir);
  const origin = destinations.get(config.origin);
  const archive = config.archive ? destinations.get(config.archive) : undefined;
  const service = createLibraryService({
    config,
    origin,
    ...(archive ? { archive } : {}),
    workDir: resolveWorkDir(config, baseDir),
    stationName: hostname(),
    log: (line) => io.stderr(`warning: ${line}`),
  });
  try {
    const result = await service.run({
      ...(opts.repair !== undefined ? { repair: opts.repair } : { repair: false }),
      ...(opts.sample !== undefined ? { sampleChunks: opts.sample } : {}),
      ...(opts.confirmDeletes ? { confirmDeletes: true } : {}),
    });
    const { run } = result;
    for (const t of result.problems) {
      io.stderr(
        `${printable(t.titleId)}${t.version ? `/${t.version}` : ''}: ${t.problems.length} problem(s)${t.restore ? ` — waiting for the archive: ${t.restore.detail}` : ''}`,
      );
      for (const p of t.problems.slice(0, 20))
        io.stderr(`  ${printable(p.key)}: ${p.problem} — ${printable(p.detail)}`);
      if (t.problems.length > 20) io.stderr(`  … ${t.problems.length - 20} more`);
    }
    for (const t of result.repaired.filter((r) => r.problems.length === 0))
      io.stderr(`${printable(t.titleId)}: repaired, proven whole`);
    const v = run.viewers
      ? ` · viewers' door: ${run.viewers.chunks} of ${run.viewers.chunksTotal} chunks hashed (every chunk within ${run.viewers.runsToCoverAll} runs)`
      : '';
    io.stderr(
      `library audit of ${origin.describe()}: ${run.audited} of ${run.titles} titles audited, ${run.withProblems} with problems, in ${run.seconds.toFixed(1)} s · ` +
        `requests ${run.requests.A + run.requests.B + run.requests.C} (A ${run.requests.A}, B ${run.requests.B}, C ${run.requests.C}) ≈ $${run.costUsd.toFixed(4)} at B2 prices${v}`,
    );
    if (opts.json) io.json({ ok: run.withProblems === 0, run, problems: result.problems, repaired: result.repaired });
    return run.withProblems === 0 ? EXIT_OK : EXIT_FAILED;
  } finally {
    await service.close();
    destinations.close();
  }
}
