/**
 * Probing a master (the probe stage, stages/probe-stage.ts, and the CLI): ffprobe JSON → MediaInfo (probe/media-info.ts), a decode scan for truncation and
 * corruption (probe/decode-scan.ts), then the delivery spec (probe/spec-check.ts). A rejected
 * master fails with its first error — one specific, human reason — before any transcode; warnings
 * travel with the job. Every ffprobe/ffmpeg call has a timeout; the source is only read.
 */
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { closeSync, openSync, readSync } from 'node:fs';
import type { MediaInfo } from '../../common/media.js';
import type { DeliverySpec, SpecFinding, SpecResult } from '../../common/spec.js';
import { StationError } from '../util/errors.js';
import { summariseStderr } from '../ffmpeg/run-ffmpeg.js';
import { toMediaInfo, type FfprobeOutput } from './media-info.js';
import { scanMaster } from './decode-scan.js';
import { checkSpec } from './spec-check.js';
import { checkCaptions, type NamedCaption } from './caption-check.js';
import { demuxerRefused, masterInput, masterInputOptions } from '../ffmpeg/input-guard.js';
import { localPathProblem } from '../../common/paths.js';
import { fileKind } from '../util/regular-file.js';
import { childOptions } from '../ffmpeg/child.js';

export interface ProbeOptions {
  ffprobePath: string;
  /** Needed for the decode scan; without it (or without a spec) only ffprobe runs. */
  ffmpegPath?: string;
  spec?: DeliverySpec;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Caption files the operator named, besides those found beside the master. */
  extraCaptions?: NamedCaption[];
}

export interface ProbeResult {
  media: MediaInfo;
  spec?: SpecResult;
}

/** A master the spec rejects: `code` is the first error's code, `findings` all of them. */
export class MasterRejected extends StationError {
  constructor(readonly findings: SpecFinding[]) {
    const first = findings.find((f) => f.severity === 'error')!;
    super(first.message, first.code);
    this.name = 'MasterRejected';
  }
}

const reject = (code: SpecFinding['code'], message: string): MasterRejected =>
  new MasterRejected([{ code, severity: 'error', message }]);

function runFfprobe(path: string, opts: ProbeOptions): Promise<string> {
  // Only the file protocol and master demuxers (ffmpeg/input-guard.ts); "file:" keeps a name that
  // starts with "-" from being read as an option.
  const args = [
    '-v',
    'error',
    ...masterInputOptions(),
    '-print_format',
    'json',
    '-show_format',
    '-show_streams',
    masterInput(path),
  ];
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, rejectP) => {
    execFile(
      opts.ffprobePath,
      args,
      {
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 32 << 20,
        ...childOptions(),
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        if ((err as { killed?: boolean }).killed && !opts.signal?.aborted) {
          return rejectP(
            reject(
              'probe-timeout',
              `ffprobe did not answer within ${Math.round(timeoutMs / 1000)} s: the file may be on a stalled mount or be pathological.`,
            ),
          );
        }
        const refused = demuxerRefused(stderr);
        if (refused) {
          return rejectP(
            reject(
              'not-a-master-format',
              `This file is ${refused.kind} (ffmpeg's "${refused.demuxer}" format), not a master: files that point at other files are refused whatever their name.`,
            ),
          );
        }
        // ffprobe prefixes its message with the path; the operator already knows which file it is.
        const { message, tail } = summariseStderr(
          stderr
            .split(`${masterInput(path)}: `)
            .join('')
            .split(`${path}: `)
            .join(''),
        );
        if (/moov atom not found/i.test(stderr) && looksLikeIsoMedia(path)) {
          return rejectP(
            reject(
              'truncated',
              'The file is incomplete: its index (moov atom) is missing, so it was probably cut off in transfer.',
            ),
          );
        }
        // ffprobe's last line is its verdict on the file ("Invalid data found when processing input");
        // a demuxer's complaint before it (e.g. "moov atom not found" for a text file named .mov) misleads.
        const verdict = tail.split('\n').at(-1) || message;
        const e = reject('not-media', `Not a media file ffprobe can read: ${verdict}`);
        rejectP(Object.assign(e, { detail: tail }));
      },
    );
  });
}

/**
 * ffprobe says "moov atom not found" for a cut-off MP4/MOV and for any non-media file named .mov;
 * only a file that starts with an ISO-BMFF box (ftyp, wide, free, mdat…) was media that got cut.
 */
function looksLikeIsoMedia(path: string): boolean {
  try {
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(8);
      readSync(fd, head, 0, 8, 0);
      return ['ftyp', 'wide', 'free', 'mdat', 'moov', 'skip', 'pnot'].includes(head.toString('latin1', 4, 8));
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** The first fatal reason of a file before it is even probed (not local, missing, folder, empty). */
async function checkFile(path: string): Promise<number> {
  const notLocal = localPathProblem(path);
  if (notLocal) throw reject('not-a-local-path', `The master's path is refused: ${notLocal}.`);
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw reject('gone', 'The master is gone: it was moved or deleted after it was added.');
    throw reject('unreadable', `The master cannot be read: ${(err as Error).message}`);
  }
  if (st.isDirectory())
    throw reject('not-a-file', 'This is a folder, not a media file (even if its name ends like one).');
  if (!st.isFile())
    throw reject(
      'not-a-file',
      `This is ${fileKind(st)}, not a regular file: refused before anything opened it (a named pipe would block the station for ever).`,
    );
  if (st.size === 0) throw reject('zero-bytes', 'The file is empty (0 bytes).');
  return st.size;
}

export async function probeMaster(path: string, opts: ProbeOptions): Promise<ProbeResult> {
  const size = await checkFile(path);
  const json = await runFfprobe(path, opts);
  let parsed: FfprobeOutput;
  try {
    parsed = JSON.parse(json) as FfprobeOutput;
  } catch {
    throw new StationError('ffprobe returned output that is not JSON.', 'probe-output', json.slice(0, 500));
  }
  const media = toMediaInfo(parsed, size);
  if (!opts.spec) {
    if (!media.video[0]) throw reject('no-video', 'Video is missing: the file holds no picture to transcode.');
    return { media };
  }
  const spec = checkSpec(media, opts.spec);
  if (opts.ffmpegPath && media.video[0]) {
    const captions = await checkCaptions(media, opts.spec, {
      masterPath: path,
      ffmpegPath: opts.ffmpegPath,
      ...(opts.extraCaptions ? { extra: opts.extraCaptions } : {}),
    });
    if (captions.files.length) media.captionFiles = captions.files;
    spec.findings.push(...captions.findings);
    spec.accepted = !spec.findings.some((f) => f.severity === 'error');
  }
  if (spec.accepted && opts.ffmpegPath && media.video[0]) {
    const damage = await scanMaster({
      ffmpegPath: opts.ffmpegPath,
      path,
      durationSec: media.durationSec,
      spec: opts.spec,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (damage) spec.findings.unshift(damage);
    spec.accepted = !spec.findings.some((f) => f.severity === 'error');
  }
  if (!spec.accepted) throw Object.assign(new MasterRejected(spec.findings), { media });
  return { media, spec };
}
