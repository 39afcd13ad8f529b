/**
 * The only module that runs ffmpeg for production work. It wraps fluent-ffmpeg (the product
 * owner's choice; archived upstream in 2025) so it can be replaced without touching the stages.
 * Two things fluent-ffmpeg does badly are done here instead:
 *  - errors: its message is little more than "ffmpeg exited with code 1"; we surface the tail of
 *    ffmpeg's stderr as the failure detail and its last error line as the message;
 *  - progress: read from `-progress pipe:1` on stdout (see progress.ts), not from its percent;
 *  - stalls: a decoder that hangs on a damaged master prints no progress; with `stallTimeoutMs`
 *    the run is killed and fails with its own code instead of holding its stage forever.
 * Filters that report at the end of a run (idet, ebur128) print at info level: `logLevel: 'info'`
 * and `onStderrLine` hand those lines to the caller.
 */
import ffmpeg from 'fluent-ffmpeg';
import type { ChildProcess } from 'node:child_process';
import { CancelledError, StationError } from '../util/errors.js';
import { forgetChild, recordChild } from './orphans.js';
import { ProgressParser, type FfmpegProgress } from './progress.js';

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
  /** Kill the run when ffmpeg reports no progress for this long (ms); it then fails as 'ffmpeg-stalled'. */
  stallTimeoutMs?: number;
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
    let stalled = false;
    let stallTimer: NodeJS.Timeout | undefined;
    const armStall = (): void => {
      if (!job.stallTimeoutMs) return;
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => {
        stalled = true;
        cmd.kill('SIGKILL');
      }, job.stallTimeoutMs);
    };
    let recorded: Promise<number | undefined> = Promise.resolve(undefined);
    const done = (): void => {
      clearTimeout(stallTimer);
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
      armStall();
      const parser = new ProgressParser((p) => {
        armStall();
        job.onProgress?.(p);
      });
      proc?.stdout?.setEncoding('utf8');
      proc?.stdout?.on('data', (chunk: string) => parser.push(chunk));
    });
    if (job.onStderrLine) cmd.on('stderr', (line: string) => job.onStderrLine?.(line));
    cmd.on('error', (err: Error, _stdout: string | null, stderr: string | null) => {
      done();
      if (cancelled) return reject(new CancelledError());
      if (stalled)
        return reject(
          new StationError(
            `ffmpeg stopped making progress for ${Math.round(job.stallTimeoutMs! / 1000)} s and was stopped`,
            'ffmpeg-stalled',
            summariseStderr(stderr ?? '').tail,
          ),
        );
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
