/**
 * The QC pass riding along the encode (no decode of its own): the video encode splits its decoded,
 * pre-filtered picture once more into the picture QC (qc.ts videoQcGraph) and the audio pass hangs the
 * sound QC (audioQcGraph) off each source stream it encodes. The metadata files go to the job's
 * `<job>/qc/` folder (ffmpeg's cwd: no path escaping), one set per video run named after its first
 * set and its seek, so a resumed encode's runs are read back on the master's timeline. Verify's end
 * collects them into findings, grabs a thumbnail per picture finding into the same folder, and a
 * finding the spec weighs `reject` stops the title before its playlists are written.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { QcFinding } from '../../common/analysis.js';
import type { QcRules } from '../../common/spec.js';
import { StationError } from '../util/errors.js';
import type { TranscodePlan } from '../plan/plan.js';
import { audioQcGraph, collectQc, durationFindings, qcFiles, qcFilesIn, videoQcGraph } from './qc.js';
import { grabThumbnails } from './qc-run.js';

/** What the encoders need to carry the QC: the spec's rules, the folder, the source streams. */
export interface PlanQc {
  dir: string;
  rules: QcRules;
  audio: Array<{ index: number; sampleRate: number }>;
}

/** A video run's file tag: its first set and its seek (ms), which puts its times on the master's timeline. */
const videoTag = (from: number, seekSec: number): string => `v${from}-${Math.round(seekSec * 1000)}`;
const VIDEO_EVENTS = /^(v(\d+)-(\d+))-video-events\.txt$/;

/**
 * The picture QC's branch for a video run (absent: no QC, or a run that only fills a gap between
 * published sets — the first run over that stretch already looked at it).
 */
export function videoQcBranch(
  plan: Pick<TranscodePlan, 'qc'>,
  win: { from: number; seek: number; frames?: number },
  input: string,
): string | undefined {
  if (!plan.qc || win.frames !== undefined) return undefined;
  const files = qcFiles([], videoTag(win.from, win.seek)).video!;
  return videoQcGraph(plan.qc.rules, input, files);
}

/** The sound QC for the audio pass: one sink-ended chain per source stream, as a -filter_complex. */
export function audioQcArgs(plan: Pick<TranscodePlan, 'qc'>): string[] {
  if (!plan.qc || plan.qc.audio.length === 0) return [];
  const files = qcFiles(plan.qc.audio, 'a', false);
  const rules = plan.qc.rules;
  return [
    '-filter_complex',
    files.audio.map((a) => audioQcGraph(rules, `[0:${a.streamIndex}]`, a.sampleRate, a.file)).join(';'),
  ];
}

/** Findings of the same kind (and stream) that overlap — two runs over one stretch — become one. */
export function mergeFindings(list: QcFinding[]): QcFinding[] {
  const out: QcFinding[] = [];
  for (const f of [...list].sort((a, b) => a.start - b.start)) {
    const same = out.find((o) => o.kind === f.kind && o.streamIndex === f.streamIndex && f.start <= o.end + 0.05);
    if (same) same.end = Math.max(same.end, f.end);
    else out.push({ ...f });
  }
  return out;
}

/** Every run's files read back into findings on the master's timeline, with picture/sound end checks. */
export async function collectRideAlong(qc: PlanQc, durationSec: number): Promise<QcFinding[]> {
  const names = await readdir(qc.dir).catch(() => [] as string[]);
  const findings: QcFinding[] = [];
  let videoEnd = 0;
  for (const n of names) {
    const m = VIDEO_EVENTS.exec(n);
    if (!m) continue;
    const files = qcFilesIn(qc.dir, qcFiles([], m[1]!));
    const r = await collectQc(files, qc.rules, durationSec, Number(m[3]) / 1000);
    findings.push(...r.findings);
    videoEnd = Math.max(videoEnd, r.videoEndSec);
  }
  const sound = await collectQc(qcFilesIn(qc.dir, qcFiles(qc.audio, 'a', false)), qc.rules, durationSec);
  findings.push(...sound.findings);
  const ends = new Map(Object.entries(sound.audioEndSec).map(([k, v]) => [Number(k), v]));
  findings.push(...durationFindings(videoEnd, ends, qc.rules));
  return mergeFindings(findings);
}

/** The sentence a rejecting finding stops the title with. */
export function qcRejection(findings: QcFinding[]): StationError | undefined {
  const rejects = findings.filter((f) => f.severity === 'reject');
  if (rejects.length === 0) return undefined;
  const first = rejects[0]!;
  return new StationError(
    `QC rejected the master: ${first.detail}${rejects.length > 1 ? ` (and ${rejects.length - 1} more finding(s) the spec rejects)` : ''}. Fix the master at its source, or set qc.${first.kind === 'duration-mismatch' ? 'durationMismatch' : first.kind}.severity in the delivery spec to "warn" to deliver it as it is; no playlist was published.`,
    'qc-rejected',
  );
}

/** Verify's end: the findings (thumbnails for picture ones) onto the job; a reject stops the title. */
export async function finishQc(
  qc: PlanQc,
  o: { ffmpegPath: string; sourcePath: string; durationSec: number; signal?: AbortSignal },
): Promise<QcFinding[]> {
  const found = await collectRideAlong(qc, o.durationSec);
  return grabThumbnails(found, {
    ffmpegPath: o.ffmpegPath,
    path: o.sourcePath,
    outDir: qc.dir,
    ...(o.signal ? { signal: o.signal } : {}),
  });
}

export const qcDir = (jobDir: string): string => join(jobDir, 'qc');
