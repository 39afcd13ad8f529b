import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { MANIFEST_FILE, manifestSchema } from '../../common/manifest.js';
import { retireGraceMs } from '../../common/config.js';
import { formatBytes } from '../../common/format.js';
import { loadConfigFile } from '../../engine/config-file.js';
import { S3Destination } from '../../engine/destinations/s3.js';
import { joinKey } from '../../engine/destinations/destination.js';
import { openDestinations } from '../../engine/destinations/destination-set.js';
import { resolveWorkDir } from '../../engine/settings/config-paths.js';
import { deliverPackage } from '../../engine/delivery/deliver.js';
import { claimTitle, masterFromManifest, packageOwner } from '../../engine/title/choose.js';
import { KeyedMutex } from '../../engine/util/keyed-mutex.js';
import { describeClaim } from '../progress-printer.js';
import { abortUploads, attributeUploads, listUploads, parseAge } from '../../engine/transfer/janitor.js';
import { hashFile } from '../../engine/util/hash-file.js';
import { StationError } from '../../engine/util/errors.js';
import { EXIT_OK, type CliIo } from '../io.js';
import type { Command } from 'commander';
import type { CliContext } from '../command.js';

interface UploadOptions {
  /** For `-` (stdin): the object's key. */
  key?: string;
  dest: string;
  config: string;
  prefix?: string;
  titleId?: string;
  replace?: boolean;
  bwlimit?: number;
  json?: boolean;
}

/** `upload <file|packageDir>`: one file (multipart and resumable when large) or a whole package. */
export async function upload(target: string, opts: UploadOptions, io: CliIo): Promise<number> {
  const { config, baseDir } = await loadConfigFile(resolve(io.cwd, opts.config));
  if (opts.bwlimit !== undefined) {
    if (!(opts.bwlimit > 0)) throw new StationError('--bwlimit takes a positive number of MB/s', 'config-bwlimit');
    config.bandwidthLimitMBps = opts.bwlimit;
  }
  const destinations = openDestinations(config, baseDir, { log: (m) => io.stderr(m) });
  const dest = destinations.get(opts.dest);
  if (target === '-') {
    try {
      return await uploadStdin(dest, opts, io);
    } finally {
      destinations.close();
    }
  }
  const path = resolve(io.cwd, target);
  // Ctrl-C or a crash leaves the multipart journal in the work folder: a rerun resumes.
  try {
    const st = await stat(path);
    if (st.isDirectory()) {
      // A package goes under its title ID, claimed at the store like the pipeline claims it: the
      // same prefix every other command derives for this manifest.
      if (opts.prefix)
        throw new StationError(
          '--prefix is for single files: a package goes under its title ID (set it with --title-id)',
          'config-prefix',
        );
      const text = await readFile(join(path, MANIFEST_FILE), 'utf8');
      const manifest = manifestSchema.parse(JSON.parse(text));
      const claim = await claimTitle({
        destinations: [dest],
        request: {
          ...((opts.titleId ?? manifest.titleId) ? { titleId: opts.titleId ?? manifest.titleId } : {}),
          ...(opts.replace ? { replace: true } : {}),
        },
        name: manifest.title,
        master: masterFromManifest(manifest),
        jobId: packageOwner(manifest, text),
        mutex: new KeyedMutex(),
      });
      io.stderr(`${manifest.title}: ${describeClaim(claim)}`);
      if (claim.destinations[dest.name]?.mode === 'delivered') {
        io.stderr(`${claim.titleId} is already live at ${dest.describe()} from this master: nothing to send`);
        if (opts.json) io.json({ titleId: claim.titleId, version: claim.version, objects: [] });
        return EXIT_OK;
      }
      const uploaded = await deliverPackage({
        destination: dest,
        packageDir: path,
        manifest,
        titleId: claim.titleId,
        version: claim.version,
        jobId: packageOwner(manifest, text),
        retireGraceMs: retireGraceMs(config),
      });
      io.stderr(
        `${uploaded.length} objects → ${dest.describe()} under ${claim.titleId}/ (${uploaded.filter((u) => u.skipped).length} already there)`,
      );
      if (opts.json) io.json({ titleId: claim.titleId, version: claim.version, objects: uploaded });
      return EXIT_OK;
    }
    // Small files get an MD5 up front (Content-MD5); large ones are hashed part by part as they go.
    const digest = st.size <= 64 * 1024 * 1024 ? await hashFile(path) : { size: st.size, md5: undefined };
    const key = joinKey(opts.prefix ?? '', basename(path));
    let lastLine = 0;
    const started = Date.now();
    const result = await dest.put({
      localPath: path,
      key,
      size: digest.size,
      ...(digest.md5 ? { md5: digest.md5 } : {}),
      onProgress: (acked) => {
        if (Date.now() - lastLine > 2000) {
          lastLine = Date.now();
          io.stderr(`${key} · ${formatBytes(acked)} of ${formatBytes(digest.size)}`);
        }
      },
    });
    const seconds = (Date.now() - started) / 1000;
    io.stderr(
      `${key}: ${result.skipped ? 'already there' : 'uploaded'} — ${formatBytes(digest.size)} in ${seconds.toFixed(1)} s → ${dest.locate(key)}`,
    );
    if (opts.json)
      io.json({
        key,
        size: digest.size,
        ...(digest.md5 ? { md5: digest.md5 } : {}),
        skipped: result.skipped,
        seconds,
        ...(result.transfer ? { transfer: result.transfer } : {}),
      });
    return EXIT_OK;
  } finally {
    destinations.close();
  }
}

interface JanitorOptions {
  dest: string;
  config: string;
  olderThan?: string;
  /** abort: also uploads the station cannot prove it started. */
  all?: boolean;
  json?: boolean;
}

async function s3Destination(opts: JanitorOptions, io: CliIo) {
  const { config, baseDir } = await loadConfigFile(resolve(io.cwd, opts.config));
  const destinations = openDestinations(config, baseDir);
  const dest = destinations.get(opts.dest);
  if (!(dest instanceof S3Destination)) {
    destinations.close();
    throw new StationError(`Destination "${opts.dest}" is a folder: it has no multipart uploads`, 'config-not-s3');
  }
  let olderThanMs = 0;
  try {
    olderThanMs = opts.olderThan ? parseAge(opts.olderThan) : 0;
  } catch (err) {
    destinations.close();
    throw new StationError((err as Error).message, 'config-age');
  }
  const found = async () =>
    attributeUploads(await listUploads(dest.client, dest.bucket, dest.keyPrefix(), olderThanMs), {
      journalDir: join(resolveWorkDir(config, baseDir), 'uploads'),
      destination: dest,
      keyPrefix: dest.keyPrefix(),
    });
  return { dest, destinations, found };
}

export async function uploadsList(opts: JanitorOptions, io: CliIo): Promise<number> {
  const { dest, destinations, found: find } = await s3Destination(opts, io);
  try {
    const found = await find();
    if (opts.json) io.json({ uploads: found });
    else
      for (const u of found)
        io.stdout(
          `${u.initiated ?? '?'}  ${u.key}  ${u.uploadId}  ${u.ours ? `ours (${u.ours})` : 'not started by this station'}`,
        );
    io.stderr(`${found.length} unfinished upload${found.length === 1 ? '' : 's'} at ${dest.describe()}`);
    return EXIT_OK;
  } finally {
    destinations.close();
  }
}

export async function uploadsAbort(opts: JanitorOptions, io: CliIo): Promise<number> {
  const { dest, destinations, found: find } = await s3Destination(opts, io);
  try {
    const found = await find();
    const chosen = opts.all ? found : found.filter((u) => u.ours);
    const left = found.filter((u) => !chosen.includes(u));
    await abortUploads(dest.client, dest.bucket, chosen);
    if (opts.json) io.json({ aborted: chosen, leftAlone: left });
    io.stderr(`aborted ${chosen.length} unfinished upload${chosen.length === 1 ? '' : 's'} at ${dest.describe()}`);
    if (left.length)
      io.stderr(
        `left ${left.length} upload${left.length === 1 ? '' : 's'} this station did not start (another tool's?): abort them too with --all`,
      );
    return EXIT_OK;
  } finally {
    destinations.close();
  }
}

/** `upload - --key <key>`: stdin (e.g. `tar c … |`) as one object; not resumable — a pipe cannot be read twice. */
async function uploadStdin(
  dest: ReturnType<ReturnType<typeof openDestinations>['get']>,
  opts: UploadOptions,
  io: CliIo,
): Promise<number> {
  if (!opts.key) throw new StationError('upload - reads stdin: name the object with --key <key>', 'usage');
  if (!(dest instanceof S3Destination))
    throw new StationError(
      `upload - streams to S3 destinations; ${dest.name} is a folder (copy the file there instead)`,
      'config-not-s3',
    );
  const key = joinKey(opts.prefix ?? '', opts.key);
  const started = Date.now();
  let last = 0;
  const stream = io.stdin ?? process.stdin;
  const result = await dest.putStream({
    stream,
    key,
    onProgress: (bytes) => {
      if (Date.now() - last < 1000) return;
      last = Date.now();
      io.stderr(
        `${key}: ${formatBytes(bytes)} acknowledged (${(bytes / 1e6 / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(1)} MB/s) — a stream cannot resume: an interrupted upload is aborted and must be sent again`,
      );
    },
  });
  io.stderr(
    `${key}: ${formatBytes(result.size)} → ${dest.locate(key)} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (opts.json) io.json({ key, size: result.size, etag: result.etag });
  return EXIT_OK;
}

/** `upload <file|packageDir>` on the command line. */
export function registerUpload(program: Command, cli: CliContext): void {
  program
    .command('upload')
    .description('upload a file or a verified package folder to a destination (resumable multipart for large files)')
    .argument(
      '<fileOrPackageDir>',
      'a file, a package folder holding manifest.json, or - for stdin (with --key; not resumable)',
    )
    .option('--key <key>', 'with -: the key of the object read from stdin')
    .requiredOption('--dest <name>', 'destination name from the config')
    .requiredOption('--config <file>', 'station config')
    .option('--prefix <p>', 'key prefix for a single file (a package goes under its title ID)')
    .option(
      '--title-id <id>',
      "a package: the platform's own title ID (default: the manifest's, else derived from the title)",
    )
    .option('--replace', 'a package: publish it in place of what its title ID holds')
    .option('--bwlimit <MBps>', 'bandwidth limit in MB/s', Number)
    .option('--json', 'print every uploaded object (key, size, MD5, transfer stats) as JSON on stdout')
    .action(async (target: string, opts: UploadOptions) => {
      cli.exit(await upload(target, opts, cli.io));
    });
}

/** `uploads list|abort` on the command line. */
export function registerUploads(program: Command, cli: CliContext): void {
  const uploads = program.command('uploads').description('unfinished multipart uploads at a destination');
  uploads
    .command('list')
    .description('list unfinished multipart uploads')
    .requiredOption('--dest <name>', 'destination name from the config')
    .requiredOption('--config <file>', 'station config')
    .option('--older-than <age>', 'only uploads started before this age (e.g. 24h, 30m, 7d)')
    .option('--json', 'print as JSON')
    .action(async (opts: { dest: string; config: string; olderThan?: string; json?: boolean }) => {
      cli.exit(await uploadsList(opts, cli.io));
    });
  uploads
    .command('abort')
    .description('abort unfinished multipart uploads this station started (their parts stop costing storage)')
    .requiredOption('--dest <name>', 'destination name from the config')
    .requiredOption('--config <file>', 'station config')
    .option('--older-than <age>', 'only uploads started before this age (e.g. 24h)')
    .option('--all', 'also abort uploads the station cannot prove it started (another tool’s, under the same prefix)')
    .option('--json', 'print what was aborted as JSON')
    .action(async (opts: { dest: string; config: string; olderThan?: string; all?: boolean; json?: boolean }) => {
      cli.exit(await uploadsAbort(opts, cli.io));
    });
}
