import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { MANIFEST_FILE, manifestSchema, type AuditRecord } from '../../common/manifest.js';
import { loadConfigFile } from '../../engine/config-file.js';
import { cliTools } from '../tools.js';
import { findTitle } from '../../engine/title/choose.js';
import { openDestinations } from '../../engine/station.js';
import { auditTitle } from '../../engine/audit/title-audit.js';
import { StationError } from '../../engine/util/errors.js';
import { S3Destination } from '../../engine/destinations/s3.js';
import { archiveKeys } from '../../engine/stages/upload.js';
import { EXIT_FAILED, EXIT_OK, type CliIo } from '../io.js';

interface AuditCliOptions {
  requestRestore?: boolean;
  titleId?: string;
  dest: string;
  config: string;
  repair?: boolean;
  deep?: boolean;
  sample?: number;
  json?: boolean;
}

/** `audit <packageDir|manifest...>`: prove a destination holds exactly what each manifest says. */
export async function audit(targets: string[], opts: AuditCliOptions, io: CliIo): Promise<number> {
  const { config, baseDir } = await loadConfigFile(resolve(io.cwd, opts.config));
  if (opts.sample !== undefined && !(Number.isInteger(opts.sample) && opts.sample > 0))
    throw new StationError('--sample takes a positive whole number', 'config-sample');
  const destinations = openDestinations(config, baseDir);
  const dest = destinations.get(opts.dest);
  const role = opts.dest === config.archive ? 'archive' : 'origin';
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
      const records = await auditTitle({
        destination: dest,
        role,
        manifest,
        packageDir: dirname(manifestPath),
        titleId: where.titleId,
        ...(where.version ? { version: where.version } : {}),
        retireGraceMs: config.retireGraceHours * 3_600_000,
        ...(role === 'archive' && dest.storageClass ? { storageClass: dest.storageClass } : {}),
        ...(opts.deep ? { deep: opts.sample ?? true } : {}),
        ...(opts.repair ? { repair: true, ffprobePath: cliTools(io).ffprobe } : {}),
      });
      all.push(...records);
      const last = records.at(-1)!;
      if (last.problems.length > 0) clean = false;
      for (const r of records) {
        const what = r.repaired
          ? `after repair (${r.repaired.uploaded.length} re-uploaded, ${r.repaired.deleted.length} deleted)`
          : 'audit';
        io.stderr(
          `${manifest.title} (${r.prefix}${r.version ? `/${r.version}` : ''}) @ ${r.destination}: ${what} — ${r.objectsListed} listed, ${r.objectsExpected} expected, ${r.problems.length} problem(s)${r.deepChecked ? `, ${r.deepChecked} hashed` : ''} in ${r.seconds.toFixed(1)} s`,
        );
        for (const p of r.problems) io.stderr(`  ${p.key}: ${p.problem} — ${p.detail}`);
      }
    }
  } finally {
    destinations.close();
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
      const keys = archiveKeys(where.titleId, where.version, manifest.source.path);
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
