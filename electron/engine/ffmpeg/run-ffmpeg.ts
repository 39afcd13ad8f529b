/**
 * The only module that runs ffmpeg for production work. It wraps fluent-ffmpeg (the product
 * owner's choice; archived upstream in 2025) so it can be replaced without touching the stages.
 * Two things fluent-ffmpeg does badly are done here instead:
 *  - errors: its message is little more than "ffmpeg exited with code 1"; we surface the tail of
 *    ffmpeg's stderr as the failure detail and its last error line as the message;
 *  - progress: read from `-progress pipe:1` on stdout (see progress.ts), not from its percent;
 *  - stalls: a decoder that hangs on a damaged master, or on a master on a mount that stopped
 *    answering, prints nothing; after `stallTimeoutMs` without a sign of life (default
 *    child.ts's STALL_MS) the run is killed and fails as 'ffmpeg-stalled' instead of holding its
 *    stage forever;
 *  - its environment: ffmpeg gets the station's without secrets (child.ts).
 * Filters that report at the end of a run (idet, ebur128) print at info level: `logLevel: 'info'`
 * and `onStderrLine` hand those lines to the caller.
 */
import ffmpeg from 'fluent-ffmpeg';
import type { ChildProcess } from 'node:child_process';
import { CancelledError, StationError } from '../util/errors.js';
import { forgetChild, recordChild } from './orphans.js';
import { ProgressParser, type FfmpegProgress } from './progress.js';
import { STALL_MS, childEnv, stalledMessage, watchStall } from './child.js';

type Spawner = (args: string[], options: object, processCB: unknown, endCB: unknown) => unknown;

/**
 * fluent-ffmpeg spawns with whatever options it builds and no `env`; its (archived, unchanging)
 * `_spawnFfmpeg` is wrapped on this one command so ffmpeg gets the scrubbed environment (child.ts).
 */
function withScrubbedEnv(cmd: ffmpeg.FfmpegCommand): void {
  const c = cmd as unknown as { _spawnFfmpeg: Spawner };
  const spawnFfmpeg = c._spawnFfmpeg;
  c._spawnFfmpeg = function (this: unknown, args, options, processCB, endCB) {
    return spawnFfmpeg.call(this, args, { ...options, env: childEnv() }, processCB, endCB);
  };
}

export interface FfmpegJob {
  ffmpegPath: string;
  input: string;
  inputOptions?: string[];
  outputOptions: string[];
  output: string;
  cwd?: string;
  onProgress?: (p: FfmpegProgress) => void;
  signal?: AbortSignal;
  /**
   * The run's own folder (named in its command line): the process is recorded there while it runs,
   * so a later run of the job can stop it if the station is killed under it (orphans.ts).
   */
  recordIn?: string;
  /**
   * Kill the run when ffmpeg gives no sign of life (progress, output) for this long (ms; default
   * STALL_MS); it then fails as 'ffmpeg-stalled' with a sentence naming what stalled.
   */
  stallTimeoutMs?: number;
  /** What the run does, for that sentence (default: "reading <input>"). */
  what?: string;
  /** ffmpeg's log level: 'warning' (default) or 'info' for filters that report their results there. */
  logLevel?: 'warning' | 'info';
  /** Every stderr line as ffmpeg prints it. */
  onStderrLine?: (line: string) => void;
}

const STDERR_LINES = 60;

const ERRORISH = /error|invalid|no such|not found|unsupported|failed|cannot|could not|unable/i;

/**
 * The tail of stderr for the details view, and one line for the message: the first complaint a
 * component made in its own name ("[h264_nvenc] Cannot load libcuda.so.1") — the root cause —
 * else the last error-like line ("…: No such file or directory"), else the last line.
 */
export function summariseStderr(stderr: string): { message: string; tail: string } {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim().replace(/ @ 0x[0-9a-f]+\]/, ']'))
    .filter(Boolean);
  const tail = lines.slice(-STDERR_LINES).join('\n');
  const message =
    lines.find((l) => /^\[[^\]]+\] /.test(l) && ERRORISH.test(l)) ??
    [...lines].reverse().find((l) => ERRORISH.test(l)) ??
    lines[lines.length - 1] ??
    'no error output';
  return { message, tail };
}

export function runFfmpeg(job: FfmpegJob): Promise<void> {
  return new Promise((resolve, reject) => {
    if (job.signal?.aborted) return reject(new CancelledError());
    const cmd = ffmpeg({ stdoutLines: STDERR_LINES, cwd: job.cwd }).setFfmpegPath(job.ffmpegPath).input(job.input);
    withScrubbedEnv(cmd);
    const inputOptions = ['-hide_banner', '-nostdin', ...(job.inputOptions ?? [])];
    // Passed as separate arguments (≥ 2 always): fluent-ffmpeg splits a lone "-opt value" string on its space,
    // which would break values that contain spaces (-var_stream_map).
    cmd.inputOptions(...inputOptions);
    cmd
      .output(job.output)
      .outputOptions(
        ...['-progress', 'pipe:1', '-nostats', '-loglevel', job.logLevel ?? 'warning', ...job.outputOptions],
      );

    let cancelled = false;
    const onAbort = (): void => {
      cancelled = true;
      cmd.kill('SIGKILL');
    };
    job.signal?.addEventListener('abort', onAbort, { once: true });
    // Progress lines and stderr are its signs of life; silence for the stall timeout means it is stuck.
    let stalled: string | undefined;
    const stall = watchStall(cmd, job.stallTimeoutMs ?? STALL_MS, (ms) => {
      stalled = stalledMessage('ffmpeg', job.what ?? `reading ${job.input}`, ms);
    });
    let recorded: Promise<number | undefined> = Promise.resolve(undefined);
    const done = (): void => {
      stall.stop();
      job.signal?.removeEventListener('abort', onAbort);
      if (job.recordIn)
        void recorded.then((pid) => (pid ? forgetChild(job.recordIn!, pid) : undefined)).catch(() => undefined);
    };

    cmd.on('start', () => {
      const proc = (cmd as unknown as { ffmpegProc?: ChildProcess }).ffmpegProc;
      const pid = proc?.pid;
      if (job.recordIn && pid)
        recorded = recordChild(job.recordIn, { pid, tag: job.recordIn }).then(
          () => pid,
          () => undefined,
        );
      const parser = new ProgressParser((p) => job.onProgress?.(p));
      proc?.stdout?.setEncoding('utf8');
      proc?.stdout?.on('data', (chunk: string) => {
        stall.alive();
        parser.push(chunk);
      });
    });
    cmd.on('stderr', (line: string) => {
      stall.alive();
      job.onStderrLine?.(line);
    });
    cmd.on('error', (err: Error, _stdout: string | null, stderr: string | null) => {
      done();
      if (cancelled) return reject(new CancelledError());
      if (stalled) return reject(new StationError(stalled, 'ffmpeg-stalled', summariseStderr(stderr ?? '').tail));
      const { message, tail } = summariseStderr(stderr ?? '');
      const spawnFailed = /spawn|ENOENT|EACCES/.test(err.message) && !stderr;
      reject(
        new StationError(
          spawnFailed ? `ffmpeg could not be started: ${err.message}` : `ffmpeg failed: ${message}`,
          'ffmpeg-failed',
          tail || err.message,
        ),
      );
    });
    cmd.on('end', () => {
      done();
      resolve();
    });
    cmd.run();
  });
}
