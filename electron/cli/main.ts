/**
 * `ingest-station` — the headless station for supplier-side automation and offline transcodes.
 * Each command lives in commands/<name>.ts and registers its own flags there; this file only lists
 * them and turns the outcome into an exit code. Exit codes: 0 success, 1 a title
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
import type { CliContext, RegisterCommand } from './command.js';
import { registerIngest } from './commands/ingest.js';
import { registerProbe } from './commands/probe.js';
import { registerTranscode } from './commands/transcode.js';
import { registerEncoders } from './commands/encoders.js';
import { registerVerify } from './commands/verify.js';
import { registerUpload, registerUploads } from './commands/upload.js';
import { registerFarm } from './commands/farm.js';
import { registerAudit } from './commands/audit.js';

export type { CliIo } from './io.js';

/** The commands, in the order `--help` lists them; each module registers its own (cli/command.ts). */
const COMMANDS: RegisterCommand[] = [
  registerIngest,
  registerProbe,
  registerTranscode,
  registerEncoders,
  registerVerify,
  registerUpload,
  registerFarm,
  registerAudit,
  registerUploads,
];

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
  const cli: CliContext = { io, exit: (code) => (exitCode = code) };
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

  for (const register of COMMANDS) register(program, cli);

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
