/**
 * The analysis core on generated masters (test/helpers/masters.ts, makeContentMaster): the
 * decisions are right, and the filters they produce, applied with ffmpeg, make the picture and the
 * sound right — measured independently of the analysis (idet on the output for combing, ffprobe for
 * the frame rate and size, loudnorm's own BS.1770 meter for loudness and true peak). The QC
 * findings are named within ±1 s, standalone and riding along an encode-shaped graph. Each test
 * prints its measured numbers (the closing note quotes them).
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ContentOverrides, QcFinding } from '../../electron/common/analysis';
import { deliverySpecSchema, type DeliverySpec } from '../../electron/common/spec';
import type { MediaInfo } from '../../electron/common/media';
import { probeMaster } from '../../electron/engine/probe/probe-master';
import { analyseMaster, decideSettled } from '../../electron/engine/analysis/analyse';
import { decideContent } from '../../electron/engine/analysis/decide';
import { audioFilter, videoPreFilters } from '../../electron/engine/analysis/filters';
import { audioQcGraph, collectQc, qcFiles, qcFilesIn, videoQcGraph } from '../../electron/engine/analysis/qc';
import { grabThumbnails, runQc } from '../../electron/engine/analysis/qc-run';
import { runFfmpeg } from '../../electron/engine/ffmpeg/run-ffmpeg';
import { masterInput, masterInputOptions } from '../../electron/engine/ffmpeg/input-guard';
import { combedShare, videoOf } from '../helpers/picture-measure';
import { makeContentMaster, type ContentMasterKind } from '../helpers/masters';
import defaultSpec from '../../resources/delivery-spec.json';

const run = promisify(execFile);
const spec = deliverySpecSchema.parse(defaultSpec);

async function analysed(kind: ContentMasterKind, s: DeliverySpec = spec, overrides?: ContentOverrides) {
  const path = await makeContentMaster(kind);
  const media: MediaInfo = (await probeMaster(path, { ffprobePath: 'ffprobe' })).media;
  const video = media.video[0]!;
  const work = await mkdtemp(join(tmpdir(), `analysis-${kind}-`));
  const analysis = await analyseMaster({
    ffmpegPath: 'ffmpeg',
    path,
    media,
    audio: media.audio,
    rules: s.picture,
    workDir: work,
  });
  const decisions = decideContent({
    analysis,
    video,
    picture: s.picture,
    loudness: s.loudness,
    ...(overrides ? { overrides } : {}),
  });
  return { path, media, analysis, decisions, work };
}

/** The picture through the decided pre-filters into an 8-bit H.264 file, as the top rung would get it. */
async function applyPicture(path: string, filters: string[], out: string): Promise<void> {
  const vf = [...filters, 'format=yuv420p'].join(',');
  await run('ffmpeg', [
    '-hide_banner',
    '-v',
    'error',
    '-y',
    '-i',
    path,
    '-an',
    '-vf',
    vf,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    out,
  ]);
}

/** Integrated loudness and true peak of a file by loudnorm's own meter (not the ebur128 filter the analysis uses). */
async function loudnessOf(path: string): Promise<{ i: number; tp: number }> {
  const { stderr } = await run('ffmpeg', [
    '-hide_banner',
    '-nostdin',
    '-i',
    path,
    '-af',
    'loudnorm=print_format=json',
    '-f',
    'null',
    '-',
  ]);
  const json = JSON.parse(stderr.slice(stderr.lastIndexOf('{')));
  return { i: Number(json.input_i), tp: Number(json.input_tp) };
}

describe('picture: telecine and interlace from the fields', () => {
  it('telecined, flagged progressive → inverse telecine: 24000/1001 with ≤ 10 % combed frames', async () => {
    const { path, decisions, work } = await analysed('telecined');
    expect(decisions.scan.value).toEqual({ action: 'ivtc', fieldOrder: 'tff', frameRate: { num: 24000, den: 1001 } });
    expect(decisions.scan.evidence.sentence).toMatch(
      /^telecine: 3:2 pattern in \d+ % of sampled frames although flagged progressive/,
    );
    const out = join(work, 'ivtc.mp4');
    await applyPicture(path, videoPreFilters(decisions), out);
    const before = await combedShare(path);
    const after = await combedShare(out);
    console.log(
      `telecined: combed ${(before * 100).toFixed(1)} % → ${(after * 100).toFixed(1)} %; ${decisions.scan.evidence.sentence}`,
    );
    expect(before).toBeGreaterThan(0.5);
    expect(after).toBeLessThanOrEqual(0.1);
    expect((await videoOf(out)).rate).toBe('24000/1001');
  });

  it('interlaced 25i, flagged progressive → bwdif at the field rate: 50p with ≤ 10 % combed', async () => {
    const { path, decisions, work } = await analysed('interlaced');
    expect(decisions.scan.value).toMatchObject({ action: 'deinterlace', rate: 'field', fieldOrder: 'tff' });
    const out = join(work, 'deint.mp4');
    await applyPicture(path, videoPreFilters(decisions), out);
    const after = await combedShare(out);
    console.log(`interlaced: combed ${((await combedShare(path)) * 100).toFixed(1)} % → ${(after * 100).toFixed(1)} %`);
    expect(after).toBeLessThanOrEqual(0.1);
    expect((await videoOf(out)).rate).toBe('50/1');
  });

  it('a film that changes between telecined and video sections: majority rule, where it changes, ≤ 10 % combed', async () => {
    const { path, analysis, decisions, work } = await analysed('mixed');
    expect(analysis.scan.frames.telecine).toBeGreaterThan(0);
    expect(analysis.scan.frames.interlaced).toBeGreaterThan(0);
    expect(decisions.scan.value.action).toBe('ivtc');
    expect(decisions.scan.evidence.sentence).toMatch(
      /^mixed: telecined in \d+ % and interlaced video in \d+ %.*\(video at 0:0[4-6]–0:09\)/,
    );
    const out = join(work, 'mixed.mp4');
    await applyPicture(path, videoPreFilters(decisions), out);
    const after = await combedShare(out);
    console.log(`mixed: ${decisions.scan.evidence.sentence}; combed after ${(after * 100).toFixed(1)} %`);
    expect(after).toBeLessThanOrEqual(0.1);
    expect((await videoOf(out)).rate).toBe('24000/1001');
  });

  it('sampled in windows (not whole) the mixed film is judged the same, slices on the master’s timeline', async () => {
    const windows = {
      ...spec.picture,
      analysisWindowSec: 2,
      analysisWindowEverySec: 2,
      analysisMinWindows: 3,
      analysisMaxWindows: 3,
    };
    const { analysis, decisions } = await analysed('mixed', { ...spec, picture: windows });
    expect(analysis.whole).toBe(false);
    const tenth = (x: number): number => Math.round(x * 10) / 10;
    expect(analysis.windows.map((w) => tenth(w.start))).toEqual([0.5, 3.5, 6.5]);
    expect(analysis.scan.slices.map((s) => [tenth(s.start), s.kind])).toEqual([
      [0.5, 'telecine'],
      [3.5, 'telecine'],
      [6.5, 'interlaced'],
    ]);
    expect(decisions.scan.value.action).toBe('ivtc');
  });

  it('--no-ivtc: the telecined master is deinterlaced at its frame rate instead, and still not combed', async () => {
    const { path, decisions, work } = await analysed('telecined', spec, { ivtc: 'off' });
    expect(decisions.scan).toMatchObject({ source: 'override', value: { action: 'deinterlace', rate: 'frame' } });
    const out = join(work, 'noivtc.mp4');
    await applyPicture(path, videoPreFilters(decisions), out);
    expect(await combedShare(out)).toBeLessThanOrEqual(0.1);
    expect((await videoOf(out)).rate).toBe('30000/1001');
  });
});

describe('picture: the active area', () => {
  const truth: Record<string, number> = { pillarbox: 4 / 3, letterbox: 640 / 268, credits: 640 / 268 };
  for (const kind of ['pillarbox', 'letterbox', 'credits'] as const)
    it(`${kind}: cropped to the picture, aspect within 3 % of the truth`, async () => {
      const { path, decisions, work } = await analysed(kind);
      expect(decisions.crop.value).toBeDefined();
      const out = join(work, 'crop.mp4');
      await applyPicture(path, videoPreFilters(decisions), out);
      const v = await videoOf(out);
      const aspect = v.width / v.height;
      const error = Math.abs(aspect - truth[kind]!) / truth[kind]!;
      console.log(
        `${kind}: ${v.width}×${v.height}, aspect ${aspect.toFixed(3)} vs ${truth[kind]!.toFixed(3)} (error ${(error * 100).toFixed(2)} %); ${decisions.crop.evidence.sentence}`,
      );
      expect(error).toBeLessThanOrEqual(0.03);
      expect((v.width % 2) + (v.height % 2)).toBe(0);
    });
});

describe('sound: loudness to the target with the true peak under the limit', () => {
  for (const kind of ['quiet', 'hot'] as const)
    it(`${kind} mix → −24 LUFS ±1 LU, true peak ≤ −2 dBTP after the AAC encode`, async () => {
      const { path, analysis, decisions, work } = await analysed(kind);
      const [gain] = decisions.loudness;
      expect(Math.abs(gain!.value.gainDb)).toBeGreaterThan(5);
      const out = join(work, 'sound.m4a');
      const af = audioFilter(gain!.value, { stereoFrom: 2 });
      await run('ffmpeg', [
        '-hide_banner',
        '-v',
        'error',
        '-y',
        '-i',
        path,
        '-map',
        '0:a:0',
        ...(af ? ['-af', af] : []),
        '-c:a',
        'aac',
        '-b:a',
        '128k',
        '-ac',
        '2',
        '-ar',
        '48000',
        out,
      ]);
      const m = await loudnessOf(out);
      console.log(
        `${kind}: ${analysis.loudness[0]!.integrated} LUFS → ${m.i} LUFS (error ${(m.i + 24).toFixed(2)} LU), true peak ${m.tp} dBTP; ${gain!.evidence.sentence}`,
      );
      expect(Math.abs(m.i - -24)).toBeLessThanOrEqual(1);
      expect(m.tp).toBeLessThanOrEqual(-2);
    });

  it('a mix whose peaks would pass the ceiling: limited, measured through the limiter, still on target', async () => {
    const { path, media, analysis, work } = await analysed('peaky');
    const video = media.video[0]!;
    const input = { analysis, video, picture: spec.picture, loudness: spec.loudness };
    const plain = decideContent(input).loudness[0]!.value;
    expect(plain.limiterCeilingDbtp).toBe(-3);
    const d = await decideSettled(input, {
      ffmpegPath: 'ffmpeg',
      path,
      durationSec: media.durationSec,
      channels: new Map(media.audio.map((a) => [a.index, a.channels])),
    });
    const [gain] = d.loudness;
    const out = join(work, 'limited.m4a');
    await run('ffmpeg', [
      '-hide_banner',
      '-v',
      'error',
      '-y',
      '-i',
      path,
      '-map',
      '0:a:0',
      '-af',
      audioFilter(gain!.value)!,
      '-c:a',
      'aac',
      '-b:a',
      '128k',
      '-ac',
      '2',
      '-ar',
      '48000',
      out,
    ]);
    const m = await loudnessOf(out);
    console.log(
      `peaky: ${analysis.loudness[0]!.integrated} LUFS, TP ${analysis.loudness[0]!.truePeak} → ${m.i} LUFS (error ${(m.i + 24).toFixed(2)} LU), true peak ${m.tp} dBTP; gain ${plain.gainDb} → ${gain!.value.gainDb} dB; ${gain!.evidence.sentence}`,
    );
    expect(gain!.evidence.sentence).toMatch(/measured through the limiter/);
    expect(Math.abs(m.i - -24)).toBeLessThanOrEqual(1);
    expect(m.tp).toBeLessThanOrEqual(-2);
  });

  it('a near-silent track: no measurable loudness, no gain, a note', async () => {
    const { decisions } = await analysed('near-silent');
    expect(decisions.loudness[0]!.value.gainDb).toBe(0);
    expect(decisions.loudness[0]!.notes[0]).toMatch(/no measurable loudness/);
  });
});

describe('the clean master is left exactly as it is', () => {
  it('no picture filter, no crop, no gain beyond ±0.5 dB, and no QC finding', async () => {
    const { path, media, decisions, work } = await analysed('clean');
    expect(videoPreFilters(decisions)).toEqual([]);
    expect(decisions.crop.value).toBeUndefined();
    expect(Math.abs(decisions.loudness[0]!.value.gainDb)).toBeLessThanOrEqual(0.5);
    expect(audioFilter(decisions.loudness[0]!.value)).toBeUndefined();
    const qc = await runQc({
      ffmpegPath: 'ffmpeg',
      path,
      durationSec: media.durationSec,
      video: media.video[0]!,
      audio: media.audio,
      rules: spec.qc,
      workDir: work,
    });
    expect(qc.findings).toEqual([]);
  });
});

/** Where each planted fault is (test/helpers/masters.ts, the qc master). */
const PLANTED: Array<[QcFinding['kind'], number, number]> = [
  ['clipping', 2, 3],
  ['black', 6, 10],
  ['freeze', 12, 16],
  ['silence', 18, 21.5],
  ['levels', 20, 22],
];

function expectPlanted(findings: QcFinding[], label: string): void {
  const errors: string[] = [];
  for (const [kind, start, end] of PLANTED) {
    const f = findings.find((x) => x.kind === kind);
    expect(f, `${kind} found`).toBeDefined();
    expect(Math.abs(f!.start - start)).toBeLessThanOrEqual(1);
    expect(Math.abs(f!.end - end)).toBeLessThanOrEqual(1);
    errors.push(`${kind} ${Math.abs(f!.start - start).toFixed(2)}/${Math.abs(f!.end - end).toFixed(2)} s`);
  }
  expect(findings).toHaveLength(PLANTED.length);
  console.log(`QC ${label}: timing error start/end ${errors.join(', ')}`);
}

describe('QC: black, freeze, silence, clipping and levels named within ±1 s', () => {
  it('standalone, with a thumbnail for each picture finding', async () => {
    const path = await makeContentMaster('qc');
    const { media } = await probeMaster(path, { ffprobePath: 'ffprobe' });
    const work = await mkdtemp(join(tmpdir(), 'qc-'));
    const qc = await runQc({
      ffmpegPath: 'ffmpeg',
      path,
      durationSec: media.durationSec,
      video: media.video[0]!,
      audio: media.audio,
      rules: spec.qc,
      workDir: work,
    });
    expectPlanted(qc.findings, 'standalone');
    expect(qc.videoEndSec).toBeCloseTo(24, 1);
    const withThumbs = await grabThumbnails(qc.findings, { ffmpegPath: 'ffmpeg', path, outDir: join(work, 'thumbs') });
    const pictures = withThumbs.filter((f) => ['black', 'freeze', 'levels'].includes(f.kind));
    expect(pictures.every((f) => f.thumbnail)).toBe(true);
    expect((await videoOf(join(work, 'thumbs', pictures[0]!.thumbnail!))).width).toBe(320);
  });

  it('riding along an encode-shaped graph (split beside the rungs, null sinks): the same findings', async () => {
    const path = await makeContentMaster('qc');
    const { media } = await probeMaster(path, { ffprobePath: 'ffprobe' });
    const work = await mkdtemp(join(tmpdir(), 'qc-ride-'));
    const files = qcFiles([{ index: media.audio[0]!.index, sampleRate: 48000 }], 'ride');
    const graph = [
      `[0:${media.video[0]!.index}]split=2[enc][qc]`,
      '[enc]scale=320:180,setsar=1,format=yuv420p[v0]',
      videoQcGraph(spec.qc, '[qc]', files.video!),
      `[0:${media.audio[0]!.index}]asplit=2[aenc][aqc]`,
      audioQcGraph(spec.qc, '[aqc]', 48000, files.audio[0]!.file),
    ].join(';');
    await runFfmpeg({
      ffmpegPath: 'ffmpeg',
      input: masterInput(path),
      inputOptions: masterInputOptions(),
      outputOptions: [
        '-filter_complex',
        graph,
        '-map',
        '[v0]',
        '-map',
        '[aenc]',
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-c:a',
        'aac',
        '-f',
        'mp4',
        '-y',
      ],
      output: join(work, 'rung.mp4'),
      cwd: work,
    });
    const qc = await collectQc(qcFilesIn(work, files), spec.qc, media.durationSec);
    expectPlanted(qc.findings, 'riding along');
  });
});
