import type { Readable } from 'node:stream';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  /** Where `upload -` reads from (process.stdin by default). */
  stdin?: Readable;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
