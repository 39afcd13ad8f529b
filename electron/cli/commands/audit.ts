import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { MANIFEST_FILE, manifestSchema, sourceName, type AuditRecord } from '../../common/manifest.js';
import { loadConfigFile } from '../../engine/config-file.js';
import { cliTools } from '../tools.js';
import { findTitle } from '../../engine/title/choose.js';
import { openStation, type Station } from '../../engine/station.js';
import { openDestinations } from '../../engine/destinations/destination-set.js';
import { auditTitle, type Rebuild } from '../../engine/audit/title-audit.js';
import { drmOf } from '../../engine/verify/drm-proof.js';
import { stationKeys, type PackageKeys } from '../../engine/verify/package-keys.js';
import { retentionOfArchive } from '../../engine/audit/retention.js';
import { printable } from '../../common/printable.js';
import { retireGraceMs, type StationConfig } from '../../common/config.js';
import { StationError } from '../../engine/util/errors.js';
import { S3Destination } from '../../engine/destinations/s3.js';
import { archiveKeys } from '../../engine/title/archive-keys.js';
import { EXIT_FAILED, EXIT_OK, type CliIo } from '../io.js';
import type { Command } from 'commander';
import type { CliContext } from '../command.js';
import { auditLibraryCli } from './audit-library.js';

interface AuditCliOptions {
  requestRestore?: boolean;
  titleId?: string;
  dest: string;
  config: string;
  repair?: boolean;
  deep?: boolean;
  sample?: number;
  json?: boolean;
  confirmDeletes?: boolean;
  extendRetention?: boolean;
}

/** One audit record as the operator reads it: what was found, what the repair did and from where. */
function printRecord(io: CliIo, title: string, r: AuditRecord): void {
  const what = r.repaired
    ? `after repair from the ${r.repaired.source ?? 'local package'} (${r.repaired.uploaded.length} re-uploaded, ${r.repaired.deleted.length} deleted)`
    : 'audit';
  io.stderr(
    `${title} (${r.prefix}${r.version ? `/${r.version}` : ''}) @ ${r.destination}: ${what} — ${r.objectsListed} listed, ${r.objectsExpected} expected, ${r.problems.length} problem(s)${r.deepChecked ? `, ${r.deepChecked} hashed` : ''} in ${r.seconds.toFixed(1)} s`,
  );
  if (r.repaired?.held) io.stderr(`  held: ${r.repaired.held}`);
  for (const c of r.retention ?? [])
    io.stderr(
      `  ${c.key}: ${c.mode ? `${c.mode} until ${c.until}` : 'not under Object Lock'}${c.extended ? ' (extended now)' : ''}`,
    );
  if (r.restore) io.stderr(`  waiting for the archive: ${r.restore.detail}`);
  if (r.rebuild) io.stderr(`  ${r.rebuild.detail}`);
  if (r.drm) io.stderr(`  DRM: ${r.drm.detail}`);
  for (const p of r.problems) io.stderr(`  ${p.key}: ${p.problem} — ${p.detail}`);
}

/**
 * The way back for a repair at the origin: the archive (its package tar by ranged reads), and as a
 * last resort its master transcoded again — through a station opened only then, whose job this
 * command waits for.
 */
function wayBack(config: StationConfig, baseDir: string) {
  let station: Station | undefined;
  const rebuild: Rebuild = async (r) => {
    station ??= await openStation({ config, baseDir });
    // The station's own way back (audit/audit-context.ts): its rebuild folder, its queue; the config has an archive.
    return station.auditContext.rebuild!(r);
  };
  return {
    rebuild,
    /** The replacement job's end, when one was queued. */
    async finish(io: CliIo, jobId: string): Promise<boolean> {
      const done = await station!.queue.waitFor(jobId);
      io.stderr(
        `rebuilt from the archived master: job ${jobId} ${done.state}${done.error ? ` — ${done.error.message}` : ''}`,
      );
      return done.state === 'done';
    },
    close: async () => station?.close(),
  };
}

/** A DRM title's keys as this station holds them (its sealed local keys, else its key provider), for a deep audit. */
function drmKeysOf(
  config: StationConfig,
  baseDir: string,
  titleId: string,
  drm: NonNullable<ReturnType<typeof drmOf>>,
) {
  // The provider is asked for the title's key IDs under its title ID and the version the audit proved the title's
  // (from the origin's claim or, without one, the archive's: the SPEKE content ID); sealed local keys are found by key ID alone.
  return (_kids: string[], version: string): Promise<PackageKeys | undefined> =>
    stationKeys({ config, baseDir }, { titleId, version }, drm);
}

/** `audit <packageDir|manifest...>`: prove a destination holds exactly what each manifest says. */
export async function audit(targets: string[], opts: AuditCliOptions, io: CliIo): Promise<number> {
  const { config, baseDir } = await loadConfigFile(resolve(io.cwd, opts.config));
  if (opts.sample !== undefined && !(Number.isInteger(opts.sample) && opts.sample > 0))
    throw new StationError('--sample takes a positive whole number', 'config-sample');
  const destinations = openDestinations(config, baseDir);
  const dest = destinations.get(opts.dest);
  const role = opts.dest === config.archive ? 'archive' : 'origin';
  const archive = role === 'origin' && config.archive ? destinations.get(config.archive) : undefined;
  const back = archive && opts.repair ? wayBack(config, baseDir) : undefined;
  const all: AuditRecord[] = [];
  let clean = true;
  try {
    for (const target of targets) {
      const path = resolve(io.cwd, target);
      const isDir = (await stat(path)).isDirectory();
      const manifestPath = isDir ? join(path, MANIFEST_FILE) : path;
      const manifest = manifestSchema.parse(JSON.parse(await readFile(manifestPath, 'utf8')));
      // The same prefix the upload chose for this manifest (its title ID, or the derived one that holds this master).
      const where = await findTitle(dest, manifest, opts.titleId);
      const drm = drmOf(manifest);
      const records = await auditTitle({
        destination: dest,
        role,
        manifest,
        packageDir: dirname(manifestPath),
        titleId: where.titleId,
        ...(where.version ? { version: where.version } : {}),
        retireGraceMs: retireGraceMs(config),
        peers: [dest, ...(archive ? [archive] : [])],
        ...(role === 'archive' && dest.storageClass ? { storageClass: dest.storageClass } : {}),
        ...(opts.deep ? { deep: opts.sample ?? true } : {}),
        ...(opts.repair ? { repair: true } : {}),
        ...(opts.repair || opts.deep ? { ffprobePath: cliTools(io).ffprobe } : {}),
        ...(opts.deep && drm ? { drmKeys: drmKeysOf(config, baseDir, where.titleId, drm) } : {}),
        ...(opts.confirmDeletes ? { confirmDeletes: true } : {}),
        ...(opts.extendRetention ? { extendRetention: true } : {}),
        ...(archive ? { archive, restore: config.restore } : {}),
        ...(back ? { rebuild: back.rebuild } : {}),
      });
      all.push(...records);
      const last = records.at(-1)!;
      if (last.problems.length > 0 && !(last.rebuild && back && (await back.finish(io, last.rebuild.jobId))))
        clean = false;
      for (const r of records) printRecord(io, manifest.title, r);
    }
  } finally {
    destinations.close();
    await back?.close();
  }
  if (opts.requestRestore) {
    // The archive copy is the way back when both the local package and the master are gone.
    if (!config.archive)
      throw new StationError('--request-restore needs an archive destination in the config', 'config-no-archive');
    const archive = openDestinations(config, baseDir).get(config.archive);
    if (!(archive instanceof S3Destination))
      throw new StationError('--request-restore needs an S3 archive destination', 'config-not-s3');
    for (const target of targets) {
      const path = resolve(io.cwd, target);
      const manifestPath = (await stat(path)).isDirectory() ? join(path, MANIFEST_FILE) : path;
      const manifest = manifestSchema.parse(JSON.parse(await readFile(manifestPath, 'utf8')));
      const where = await findTitle(archive, manifest, opts.titleId);
      if (!where.version)
        throw new StationError(
          `"${where.titleId}" at ${archive.name} does not hold this master live: nothing to restore`,
          'not-live',
        );
      const keys = archiveKeys(where.titleId, where.version, sourceName(manifest));
      for (const key of [keys.source, keys.tar]) {
        await archive.requestRestore(key);
        io.stderr(
          `restore requested: ${archive.locate(key)} — Deep Archive restores take up to 12 hours; run the audit again with --repair once it is readable`,
        );
      }
    }
    archive.close();
  }
  if (opts.json) io.json({ ok: clean, audits: all });
  return clean ? EXIT_OK : EXIT_FAILED;
}

/** `audit --dest <archive> --extend-retention`: every title's copies at the archive, their Object Lock retention extended. */
export async function auditArchiveRetention(
  opts: Pick<AuditCliOptions, 'dest' | 'config' | 'json' | 'extendRetention'>,
  io: CliIo,
): Promise<number> {
  const { config, baseDir } = await loadConfigFile(resolve(io.cwd, opts.config));
  if (opts.dest !== config.archive)
    throw new StationError(
      `audit needs package folders or manifest.json files (or --library); with neither, --dest must name the archive${config.archive ? ` ("${config.archive}")` : ''}, whose copies' Object Lock retention is then reported (and extended with --extend-retention)`,
      'config-audit-targets',
    );
  const destinations = openDestinations(config, baseDir);
  try {
    const archive = destinations.get(opts.dest);
    if (!archive.objectLock)
      throw new StationError(
        `${archive.name} asks for no Object Lock retention: set objectLock on it ({"mode": "COMPLIANCE", "days": N}) first`,
        'config-no-object-lock',
      );
    const r = await retentionOfArchive(archive, {
      ...(opts.extendRetention ? { extend: true } : {}),
      onTitle: (titleId, t) => {
        for (const c of t.retention)
          io.stderr(
            `${printable(c.key)}: ${c.mode ? `${c.mode} until ${c.until}` : 'not under Object Lock'}${c.extended ? ' (extended now)' : ''}`,
          );
        if (t.retention.length === 0) io.stderr(`${printable(titleId)}: no copies found`);
      },
    });
    io.stderr(
      `retention at ${archive.describe()}: ${r.titles} titles, ${r.copies} copies, ${r.extended} extended, ${r.problems.length} problem(s)`,
    );
    for (const p of r.problems) io.stderr(`  ${printable(p.key)}: ${p.problem} — ${printable(p.detail)}`);
    if (opts.json) io.stdout(JSON.stringify({ ok: r.problems.length === 0, ...r }, null, 2));
    return r.problems.length === 0 ? EXIT_OK : EXIT_FAILED;
  } finally {
    destinations.close();
  }
}

/** `audit` (package folders, `--library`, or the archive's retention) on the command line. */
export function registerAudit(program: Command, cli: CliContext): void {
  program
    .command('audit')
    .description(
      'prove a destination holds exactly what each manifest lists (or, with --library, every title the origin holds); --repair puts back what is missing or wrong',
    )
    .argument('[packageDirOrManifest...]', 'package folders or manifest.json files (none with --library)')
    .option(
      '--library',
      "audit every title at the origin from the manifests there (not only this station's); repairs come from the archive's package tar; exit 1 on any problem",
    )
    .requiredOption('--dest <name>', 'destination name from the config (the archive is checked as the archive)')
    .requiredOption('--config <file>', 'station config')
    .option(
      '--repair',
      're-upload missing or wrong objects from the local package (verified first), delete unexpected ones, audit again',
    )
    .option(
      '--confirm-deletes',
      'with --repair: delete what the manifest does not list even when that is a playlist of the live version or more than a tenth of it (otherwise the repair stops and asks)',
    )
    .option(
      '--extend-retention',
      "with the archive: extend each copy's Object Lock retention that has less than half its term left to the full term from now",
    )
    .option('--deep', 'download and hash objects too (for stores whose ETag cannot be trusted)')
    .option(
      '--sample <K>',
      "with --deep: hash a random sample of K objects per title; with --library: K chunks per title through the origin's public URL",
      Number,
    )
    .option(
      '--request-restore',
      "ask the archive to restore the title's master and package tar (Deep Archive: up to 12 h)",
    )
    .option(
      '--title-id <id>',
      "the title ID the package was delivered under (default: the manifest's, else derived the way upload derives it)",
    )
    .option('--json', 'print every audit record as JSON on stdout')
    .action(async (targets: string[], opts: AuditCliOptions & { library?: boolean }) => {
      if (opts.library && targets.length)
        throw new StationError('--library audits every title at the origin: give no package folders with it', 'usage');
      cli.exit(
        opts.library
          ? await auditLibraryCli(opts, cli.io)
          : targets.length
            ? await audit(targets, opts, cli.io)
            : await auditArchiveRetention(opts, cli.io),
      );
    });
}
