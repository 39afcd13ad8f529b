import type { Readable } from 'node:stream';

/** Where the CLI writes, as the process (or a test) hands it over: raw lines, nothing escaped. */
export interface RawIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  /** Where `upload -` reads from (process.stdin by default). */
  stdin?: Readable;
}

/** What every command writes through (built in runCli over a RawIo: nothing reaches the terminal raw). */
export interface CliIo extends RawIo {
  /** One line on stdout: every control character escaped, line breaks included. */
  stdout: (text: string) => void;
  /** One line on stderr: the same. */
  stderr: (text: string) => void;
  /** A `--json` result on stdout, pretty-printed (JSON escapes what it holds). */
  json: (value: unknown) => void;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
