/**
 * Before a master is accepted, its picture and sound are decoded — all of it for short masters or
 * when the spec asks for 'full', else windows spread over the whole file plus its head and tail —
 * so a truncated or hex-edited master is rejected now, not after an hour of transcoding (Tdarr's
 * health check passes both: its issues #206, #300). ffmpeg exits 0 on damaged input, so stderr is
 * what counts. The source is only read.
 */
import { execFile } from 'node:child_process';
import type { DeliverySpec, SpecFinding } from '../../common/spec.js';
import { CancelledError } from '../util/errors.js';
import { masterInput, masterInputOptions } from '../ffmpeg/input-guard.js';
import { childOptions } from '../ffmpeg/child.js';

export interface ScanOptions {
  ffmpegPath: string;
  path: string;
  durationSec: number;
  spec: Pick<DeliverySpec, 'decodeCheck' | 'sampleWindows' | 'sampleWindowSec'>;
  signal?: AbortSignal;
  /** Per-window timeout; a decoder that hangs counts as a failure, never a stall. */
  timeoutMs?: number;
}

const TRUNCATION = /partial file|moov atom not found|End of file|Truncat|unexpected end/i;

function decodeWindow(o: ScanOptions, start: number | undefined, length: number | undefined): Promise<string[]> {
  const args = ['-hide_banner', '-nostdin', '-v', 'error'];
  if (start !== undefined) args.push('-ss', start.toFixed(3));
  if (length !== undefined) args.push('-t', length.toFixed(3));
  args.push(...masterInputOptions(), '-i', masterInput(o.path), '-map', '0:v:0?', '-map', '0:a?', '-f', 'null', '-');
  return new Promise((resolve, reject) => {
    execFile(
      o.ffmpegPath,
      args,
      {
        timeout: o.timeoutMs ?? 120_000,
        killSignal: 'SIGKILL',
        maxBuffer: 8 << 20,
        ...childOptions(),
        ...(o.signal ? { signal: o.signal } : {}),
      },
      (err, _stdout, stderr) => {
        if (o.signal?.aborted) return reject(new CancelledError());
        const lines = stderr
          .split(/\r?\n/)
          .map((l) => l.trim().replace(/ @ 0x[0-9a-f]+\]/, ']'))
          .filter(Boolean);
        if (err && (err as { killed?: boolean }).killed)
          lines.unshift(`the decoder did not finish within ${Math.round((o.timeoutMs ?? 120_000) / 1000)} s`);
        else if (err && lines.length === 0) lines.push(`ffmpeg exited with code ${(err as { code?: number }).code}`);
        resolve(lines);
      },
    );
  });
}

/** Undefined when the master decodes cleanly; else one finding (truncated or corrupt). */
export async function scanMaster(o: ScanOptions): Promise<SpecFinding | undefined> {
  if (o.spec.decodeCheck === 'none') return undefined;
  const w = o.spec.sampleWindowSec;
  const full = o.spec.decodeCheck === 'full' || o.durationSec <= o.spec.sampleWindows * w * 1.5;
  const windows: Array<[number | undefined, number | undefined]> = full
    ? [[undefined, undefined]]
    : [
        [0, w],
        ...Array.from({ length: o.spec.sampleWindows }, (_, i): [number, number] => [
          ((i + 0.5) * o.durationSec) / o.spec.sampleWindows - w / 2,
          w,
        ]),
        [Math.max(0, o.durationSec - w), undefined],
      ];
  for (const [start, length] of windows) {
    const errors = await decodeWindow(o, start, length);
    if (errors.length === 0) continue;
    const where = start === undefined ? '' : ` at about ${Math.max(0, start).toFixed(1)} s`;
    if (errors.some((e) => TRUNCATION.test(e))) {
      return {
        code: 'truncated',
        severity: 'error',
        message: `The file is incomplete: its data ends before its index says it should${where} (${errors.find((e) => TRUNCATION.test(e))}). It was probably cut off in transfer.`,
      };
    }
    return {
      code: 'corrupt',
      severity: 'error',
      message: `The picture or sound does not decode cleanly${where}: ${errors[0]}`,
    };
  }
  return undefined;
}
