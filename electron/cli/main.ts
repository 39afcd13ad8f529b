/**
 * `ingest-station` — the headless station for supplier-side automation and offline transcodes.
 * Each command lives in commands/; this file only declares them. Exit codes: 0 success, 1 a title
 * or object failed (reason on stderr), 2 usage error (bad flag, unreadable or invalid config).
 */
import { Command, CommanderError } from 'commander';
import { StationError, errorMessage } from '../engine/util/errors.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo, type RawIo } from './io.js';
import { printable, printableName } from '../common/printable.js';
import pkg from '../../package.json' with { type: 'json' };

/**
 * `--version`: the station's version and the Node it runs on, with the one support note that
 * matters (said here, once, instead of the AWS SDK's warning on every run — bin/ingest-station.js
 * silences that).
 */
export function versionText(nodeVersion = process.version): string {
  const major = Number(/^v(\d+)/.exec(nodeVersion)?.[1] ?? 0);
  const note =
    major < 22
      ? `supported: Node ${pkg.engines.node.replace('>=', '≥ ')}; AWS SDK releases after January 2027 need Node 22, so upgrade Node before updating the station past that (the desktop app ships its own Node 22)`
      : `supported: Node ${pkg.engines.node.replace('>=', '≥ ')}`;
  return `ingest-station ${pkg.version} (Node ${nodeVersion}; ${note})`;
}
import { ingest } from './commands/ingest.js';
import { verify } from './commands/verify.js';
import { upload, uploadsAbort, uploadsList } from './commands/upload.js';
import { audit, auditArchiveRetention } from './commands/audit.js';
import { auditLibraryCli } from './commands/audit-library.js';
import { probe } from './commands/probe.js';
import { encoders } from './commands/encoders.js';
import { transcodeCommand, type TranscodeCliOptions } from './commands/transcode.js';
import { farmCommand, submit, worker } from './commands/farm.js';
import { addContentFlags, type ContentFlags } from './content-flags.js';

export type { CliIo } from './io.js';

export async function runCli(argv: string[], rawIo: RawIo): Promise<number> {
  // Everything the CLI prints passes through printable(): supplier file names never reach the
  // terminal raw. A line is one line: a newline inside it (a file name holding one) is shown as
  // \u000a, so no name can forge a line of the output. Only the CLI's own multi-line texts (JSON,
  // help) keep their line breaks.
  const io: CliIo = {
    cwd: rawIo.cwd,
    ...(rawIo.stdin ? { stdin: rawIo.stdin } : {}),
    stdout: (t) => rawIo.stdout(printableName(t)),
    stderr: (t) => rawIo.stderr(printableName(t)),
    json: (value) => rawIo.stdout(printable(JSON.stringify(value, null, 2))),
  };
  let exitCode = EXIT_OK;
  const program = new Command()
    .name('ingest-station')
    .description('Probe, transcode, verify and upload source masters as HLS packages.')
    .version(versionText(), '-V, --version', 'print the version and the Node it runs on')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => rawIo.stdout(printable(s.trimEnd())),
      writeErr: (s) => rawIo.stderr(printable(s.trimEnd())),
    })
    .showHelpAfterError();

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
    .option(
      '--drm',
      "Studio DRM: Common Encryption for Widevine, PlayReady and FairPlay with the config's drm section (default: cbcs, audio/SD/HD keys, local keys)",
    )
    .option('--json', 'print the final report as JSON on stdout')
    .action(
      async (
        files: string[],
        opts: {
          config?: string;
          json?: boolean;
          titleId?: string;
          titles?: string;
          replace?: boolean;
          drm?: boolean;
        } & ContentFlags,
      ) => {
        exitCode = await ingest(files, opts, io);
      },
    );

  program
    .command('probe')
    .description('identify masters (MediaInfo) and check them against the delivery spec; exit 1 if any is rejected')
    .argument('<file...>', 'source masters')
    .option('--spec <file>', 'delivery spec (default: resources/delivery-spec.json)')
    .option('--json', 'print MediaInfo and spec results as JSON on stdout')
    .action(async (files: string[], opts: { json?: boolean; spec?: string }) => {
      exitCode = await probe(files, opts, io);
    });

  addContentFlags(program.command('transcode'))
    .description(
      'offline: probe, plan, transcode and verify one master into an HLS package folder (no upload); run again after a crash to resume',
    )
    .argument('<file>', 'source master')
    .requiredOption('--out <dir>', 'package folder to create (empty, or one the station made)')
    .option(
      '--config <file>',
      'station config for work folder, keys folder, encryption and defaults (destinations are not contacted)',
    )
    .option(
      '--profile <name|file>',
      'ladder profile: a name in resources/ladder-profiles.json or a JSON file (default: the config\'s, else "default")',
    )
    .option(
      '--ladder <per-title|fixed>',
      "per-title: each rung's bit rate measured for this film (the default profile's); fixed: the profile's bit rates",
    )
    .option(
      '--encoder <auto|name>',
      'auto (hardware if a trial encode passes) or an ffmpeg encoder name (default: auto)',
    )
    .option('--segment <s>', 'segment length in seconds', Number)
    .option('--format <fmp4|ts>', 'segment container (default: fmp4)')
    .option('--dash', 'also write a DASH manifest (manifest.mpd) over the same CMAF segments')
    .option('--encrypt', 'AES-128 encrypt every segment; keys stay on this machine and are exported for the key server')
    .option('--key-uri <template>', 'where players fetch keys, with {keyId}: "https://keys.example/{keyId}"')
    .option('--rotate-keys <n>', 'a new key every n segments (default: one key per title)', Number)
    .option(
      '--drm',
      "Studio DRM: Common Encryption for Widevine, PlayReady and FairPlay with the config's drm section (default: cbcs, audio/SD/HD keys, local keys)",
    )
    .option(
      '--captions <file[:lang]>',
      'a caption file (.srt, .vtt, .scc) to carry, with its language if the name does not say; repeatable',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--json', 'print the ladder, the renditions and where the keys were written as JSON on stdout')
    .action(async (file: string, opts: TranscodeCliOptions) => {
      exitCode = await transcodeCommand(file, opts, io);
    });

  program
    .command('encoders')
    .description('detect hardware H.264 encoders by real trial encode; show why each is unusable and which is chosen')
    .option('--json', 'print the report as JSON on stdout')
    .option('--refresh', 'ignore the cached result and run the trials again')
    .action(async (opts: { json?: boolean; refresh?: boolean }) => {
      exitCode = await encoders(opts, io);
    });

  program
    .command('verify')
    .description('check a package against its manifest: structure, every segment decoded, every file hashed')
    .argument('<packageDir>', 'package folder (holds master.m3u8 and manifest.json)')
    .option('--json', 'print the result (every problem: file, problem, detail) as JSON on stdout')
    .option(
      '--manifest-sha256 <hex>',
      "the manifest's SHA-256 from the title's report, to detect a manifest edited by hand",
    )
    .option('--no-decode', 'skip decoding (structure and hashes only)')
    .option(
      '--keys <cpix-file|dir>',
      "a DRM package's keys as a CPIX document (keys in clear), or a keys folder (AES-128 keys and this station's sealed local DRM keys; default: the one `transcode` writes to): every encrypted segment is decrypted and decoded",
    )
    .action(
      async (
        packageDir: string,
        opts: { json?: boolean; manifestSha256?: string; decode?: boolean; keys?: string },
      ) => {
        exitCode = await verify(packageDir, { ...opts, noDecode: opts.decode === false }, io);
      },
    );

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
    .action(
      async (
        target: string,
        opts: {
          dest: string;
          config: string;
          key?: string;
          prefix?: string;
          titleId?: string;
          replace?: boolean;
          bwlimit?: number;
          json?: boolean;
        },
      ) => {
        exitCode = await upload(target, opts, io);
      },
    );

  const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
  program
    .command('worker')
    .description("a farm worker: take titles from the farm's Redis queue and run them (until stopped, or --titles)")
    .option(
      '--queue <url>',
      'the farm queue, redis://[user:password@]host:6379[/db] or rediss:// (default: INGEST_FARM_URL)',
    )
    .requiredOption(
      '--config <file>',
      "this worker's station config: its destinations and credentials, and the farm's shared workDir",
    )
    .option('--name <name>', "this worker's name in the farm and in claims (default: host-pid)")
    .option('--titles <n>', 'stop after this many titles ended here', Number)
    .option(
      '--path-map <from=to>',
      "where this machine mounts the farm's masters (repeatable), e.g. /Volumes/Masters=/mnt/masters",
      collect,
    )
    .option(
      '--allow <folder>',
      'the only folders this worker reads masters from (repeatable; default: the --path-map targets); a master elsewhere, or a link pointing out of them, is left for another worker',
      collect,
    )
    .option(
      '--lock-seconds <s>',
      "how long a title's lock lasts without renewal: a dead worker's title is taken after about this long (default 60)",
      Number,
    )
    .option(
      '--stall-seconds <s>',
      'a title that shows no sign of progress for this long is stopped and failed with the stage that stalled (default 1800)',
      Number,
    )
    .action(
      async (opts: {
        queue?: string;
        config: string;
        name?: string;
        titles?: number;
        pathMap?: string[];
        allow?: string[];
        lockSeconds?: number;
        stallSeconds?: number;
      }) => {
        exitCode = await worker(opts, io);
      },
    );

  program
    .command('submit')
    .description('add source masters (files or folders) to the farm queue')
    .argument('<file...>', 'source masters or folders, as the workers see them through their path maps')
    .option('--queue <url>', 'the farm queue (default: INGEST_FARM_URL)')
    .option('--priority <n>', 'lower runs first (default 100)', Number)
    .option('--title-id <id>', "the platform's own title ID for the one master given")
    .option('--titles <sheet.csv>', 'title IDs for a batch (CSV: file, title_id[, replace])')
    .option('--replace', 'publish in place of what the title ID holds')
    .option('--wait', 'wait until every title submitted has finished; exit 1 if any failed')
    .option('--json', 'print the titles as JSON on stdout')
    .action(
      async (
        files: string[],
        opts: {
          queue?: string;
          priority?: number;
          titleId?: string;
          titles?: string;
          replace?: boolean;
          wait?: boolean;
          json?: boolean;
        },
      ) => {
        exitCode = await submit(files, opts, io);
      },
    );

  program
    .command('farm')
    .description("the farm's titles: list, check (Redis settings), pause|resume|cancel|retry|top <id>")
    .argument('<action>', 'list, check, pause, resume, cancel, retry or top')
    .argument('[id]', 'the title (see farm list)')
    .option('--queue <url>', 'the farm queue (default: INGEST_FARM_URL)')
    .option('--json', 'list as JSON')
    .action(async (action: string, id: string | undefined, opts: { queue?: string; json?: boolean }) => {
      exitCode = await farmCommand(action, id, opts, io);
    });

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
    .action(
      async (
        targets: string[],
        opts: {
          dest: string;
          config: string;
          repair?: boolean;
          deep?: boolean;
          sample?: number;
          json?: boolean;
          requestRestore?: boolean;
          titleId?: string;
          library?: boolean;
          confirmDeletes?: boolean;
          extendRetention?: boolean;
        },
      ) => {
        if (opts.library && targets.length)
          throw new StationError(
            '--library audits every title at the origin: give no package folders with it',
            'usage',
          );
        exitCode = opts.library
          ? await auditLibraryCli(opts, io)
          : targets.length
            ? await audit(targets, opts, io)
            : await auditArchiveRetention(opts, io);
      },
    );

  const uploads = program.command('uploads').description('unfinished multipart uploads at a destination');
  uploads
    .command('list')
    .description('list unfinished multipart uploads')
    .requiredOption('--dest <name>', 'destination name from the config')
    .requiredOption('--config <file>', 'station config')
    .option('--older-than <age>', 'only uploads started before this age (e.g. 24h, 30m, 7d)')
    .option('--json', 'print as JSON')
    .action(async (opts: { dest: string; config: string; olderThan?: string; json?: boolean }) => {
      exitCode = await uploadsList(opts, io);
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
      exitCode = await uploadsAbort(opts, io);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0
        ? EXIT_OK
        : EXIT_USAGE;
    }
    io.stderr(`error: ${errorMessage(err)}`);
    // A config file that cannot be read or is invalid is a usage error, like a bad flag.
    return err instanceof StationError && err.code.startsWith('config-') ? EXIT_USAGE : EXIT_FAILED;
  }
}
