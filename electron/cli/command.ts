/**
 * The shape every command module registers itself with: each commands/<name>.ts adds its own
 * command (flags, help, action) to the program, so main.ts only lists them and a command's flags
 * sit beside the code that reads them.
 */
import type { Command } from 'commander';
import type { CliIo } from './io.js';

export interface CliContext {
  /** Where the command writes (everything escaped: see runCli). */
  io: CliIo;
  /** The command's exit code, returned by runCli once the command ends. */
  exit(code: number): void;
}

export type RegisterCommand = (program: Command, cli: CliContext) => void;
