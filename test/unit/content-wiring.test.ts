/**
 * The content analysis wired into the plan and the encoders (stages/analyse-stage.ts, analysis/plan-content.ts): the ladder
 * is planned from the picture as it will be (cropped, its fields fixed, at the decided rate), the
 * picture's pre-filters replace the flag-driven yadif before the split, each audio rendition gets
 * its stream's gain for the layout it carries, and the CLI flags become overrides.
 */
import { describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobSnapshot } from '../../electron/common/jobs';
import { serveMedia } from '../../electron/engine/media/serve-media';
import { FolderDestination } from '../../electron/engine/destinations/folder';
import type { ContentDecisions, Decision, QcFinding } from '../../electron/common/analysis';
import { deliverySpecSchema } from '../../electron/common/spec';
import defaultSpec from '../../resources/delivery-spec.json';
import { mergeFindings, qcRejection } from '../../electron/engine/analysis/qc-wiring';
import type { MediaInfo } from '../../electron/common/media';
import { planTranscode } from '../../electron/engine/plan/plan';
import { applyContent, contentMedia } from '../../electron/engine/analysis/plan-content';
import { buildVideoArgs } from '../../electron/engine/package/video-encoder';
import { buildAudioArgs } from '../../electron/engine/package/audio-encoder';
import { contentOverrides } from '../../electron/cli/content-flags';
import { decisionLines } from '../../electron/cli/content-lines';
import { ladderProfilesSchema } from '../../electron/common/profile';
import profiles from '../../resources/ladder-profiles.json';

const DEFAULT = ladderProfilesSchema.parse(profiles).default!;

const media = (over: Partial<MediaInfo['video'][0]> = {}): MediaInfo => ({
  container: 'mov',
  durationSec: 60,
  sizeBytes: 1e9,
  video: [{ index: 0, codec: 'prores', width: 1920, height: 1080, frameRate: { num: 30000, den: 1001 }, ...over }],
  audio: [
    { index: 1, codec: 'pcm_s24le', channels: 6, sampleRate: 48000, language: 'eng' },
    { index: 2, codec: 'pcm_s24le', channels: 2, sampleRate: 48000, language: 'fra' },
  ],
  subtitles: [],
});

const said = <T>(value: T, sentence = 'measured'): Decision<T> => ({
  value,
  source: 'content',
  evidence: { sentence, data: {} },
  warnings: [],
  notes: [],
});

const decisions = (over: Partial<ContentDecisions> = {}): ContentDecisions => ({
  scan: said({ action: 'none' }),
  crop: said(undefined),
  loudness: [],
  ...over,
});

const plan = (m: MediaInfo, d: ContentDecisions, profile = DEFAULT) =>
  applyContent(planTranscode(contentMedia(m, d), { segmentSeconds: 6, profile }), d, m);

describe('the plan from the content decisions', () => {
  it('telecined 29.97 → inverse telecine before the split, rungs at 24000/1001, no yadif though flagged interlaced', () => {
    const ivtc = decisions({
      scan: said({ action: 'ivtc', fieldOrder: 'tff', frameRate: { num: 24000, den: 1001 } }),
    });
    const p = plan(media({ fieldOrder: 'tt' }), ivtc);
    expect(p.deinterlace).toBeUndefined();
    expect(p.frameRate).toEqual({ num: 24000, den: 1001 });
    const graph = buildVideoArgs(p, '/out').outputOptions[1]!;
    expect(graph).toMatch(
      /^\[0:0\]fieldmatch=order=tff:combmatch=full,decimate,idet,bwdif=[^,]+,fps=24000\/1001,split=4/,
    );
    expect(graph).not.toMatch(/yadif/);
  });

  it('not analysed: the container flag still deinterlaces (yadif), as before', () => {
    const p = planTranscode(media({ fieldOrder: 'tt' }), { segmentSeconds: 6, profile: DEFAULT });
    expect(buildVideoArgs(p, '/out').outputOptions[1]).toMatch(/^\[0:0\]yadif=mode=send_frame,split=/);
  });

  it('a 4:3 film pillarboxed in 1080p: cropped before the split, rungs planned from 1440×1080 (4:3 kept)', () => {
    const p = plan(media(), decisions({ crop: said({ w: 1440, h: 1080, x: 240, y: 0 }) }));
    expect(p.rungs.map((r) => `${r.width}x${r.height}`)).toEqual(['1440x1080', '960x720', '720x540', '480x360']);
    expect(buildVideoArgs(p, '/out').outputOptions[1]).toMatch(/^\[0:0\]crop=1440:1080:240:0,split=4/);
  });

  it('an anamorphic letterboxed master keeps its display aspect: the SAR widens the cropped picture', () => {
    const m = media({ width: 720, height: 576, sar: { num: 64, den: 45 }, frameRate: { num: 25, den: 1 } });
    const p = plan(m, decisions({ crop: said({ w: 720, h: 430, x: 0, y: 72 }) }));
    const top = p.rungs[0]!;
    expect(Math.abs(top.width / top.height - (720 * 64) / 45 / 430)).toBeLessThan(0.01);
  });

  it("each audio rendition gets its stream's gain for its layout: the stereo of a 5.1 mix takes the stereo gain", () => {
    const gain = (streamIndex: number, layout: 'native' | 'stereo', gainDb: number) =>
      said({ streamIndex, layout, gainDb, targetLufs: -24, truePeakMaxDbtp: -2 });
    const d = decisions({ loudness: [gain(1, 'native', 3), gain(1, 'stereo', 5), gain(2, 'native', 0)] });
    const p = plan(media(), d, { ...DEFAULT, surroundKbps: 384 });
    const byName = Object.fromEntries(p.audio.map((a) => [a.name, a.filter]));
    expect(byName).toEqual({
      'aac-en': 'aformat=channel_layouts=stereo,volume=5.00dB',
      'aac-fr': undefined,
      'ac3-en': 'volume=3.00dB',
      'ac3-fr': undefined,
    });
    const args = buildAudioArgs(p, '/out').outputOptions;
    expect(args[args.indexOf('-filter:a:0') + 1]).toBe('aformat=channel_layouts=stereo,volume=5.00dB');
    expect(args).not.toContain('-filter:a:1');
  });

  it('bwdif at the field rate: 50i → 50p planned at 50 fps', () => {
    const d = decisions({
      scan: said({ action: 'deinterlace', fieldOrder: 'tff', rate: 'field', frameRate: { num: 50, den: 1 } }),
    });
    const p = plan(media({ frameRate: { num: 25, den: 1 } }), d);
    expect(p.frameRate).toEqual({ num: 50, den: 1 });
    expect(buildVideoArgs(p, '/out').outputOptions[1]).toMatch(
      /bwdif=mode=send_field:parity=tff:deint=all,fps=50\/1,split/,
    );
  });
});

describe('override flags (ingest, transcode)', () => {
  it('--no-ivtc / --deinterlace, --crop, --loudness become the title’s overrides', () => {
    expect(contentOverrides({})).toEqual({});
    expect(contentOverrides({ ivtc: true })).toEqual({});
    expect(contentOverrides({ ivtc: false, crop: 'none', loudness: 'ebu-r128' })).toEqual({
      ivtc: 'off',
      crop: 'none',
      loudness: -23,
    });
    expect(contentOverrides({ deinterlace: true, crop: '1440:1080:240:0', loudness: 'off' })).toEqual({
      ivtc: 'off',
      crop: { w: 1440, h: 1080, x: 240, y: 0 },
      loudness: 'off',
    });
  });
  it('a bad value is a usage error with the sentence that says what the flag takes', () => {
    expect(() => contentOverrides({ crop: '1441:1080:0:0' })).toThrow(/every number must be even/);
    expect(() => contentOverrides({ loudness: 'loud' })).toThrow(/--loudness takes off, atsc-a85, ebu-r128/);
    try {
      contentOverrides({ crop: 'wide' });
    } catch (e) {
      expect((e as { code: string }).code).toMatch(/^config-/);
    }
  });
  it('the terminal says each decision with its evidence, overrides and warnings marked', () => {
    const d = decisions({
      scan: said({ action: 'ivtc', fieldOrder: 'tff', frameRate: { num: 24000, den: 1001 } }, 'telecine: 3:2 pattern'),
      crop: { ...said(undefined, 'crop: none (override)'), source: 'override', warnings: ['bars kept'] },
    });
    expect(
      decisionLines({ decisions: d, qc: [{ kind: 'black', start: 6, end: 10, severity: 'warn', detail: '4.0 s' }] }),
    ).toEqual([
      'picture: telecine: 3:2 pattern',
      'crop: crop: none (override) (override)',
      'warning: crop: bars kept',
      'qc warn: black 0:06–0:10: 4.0 s',
    ]);
  });
});

describe('QC riding along the encode', () => {
  const rules = deliverySpecSchema.parse(defaultSpec).qc;
  const qc = { dir: '/jobs/j1/qc', rules, audio: [{ index: 2, sampleRate: 48000 }] };
  const withQc = () => ({ ...plan(media(), decisions()), qc });

  it('the picture QC is one more branch of the encode’s split, named after the run’s first set and seek', () => {
    const graph = buildVideoArgs(withQc(), '/out', { from: 3, seek: 18 }).outputOptions[1]!;
    expect(graph).toMatch(/split=5\[s0\]\[s1\]\[s2\]\[s3\]\[sqc\]/);
    expect(graph).toMatch(
      /\[sqc\]scale=320:-2:flags=neighbor.*blackdetect.*freezedetect.*file=v3-18000-video-events\.txt.*nullsink$/,
    );
    // A run that only fills a gap between published sets: the first run over that stretch looked already.
    const gap = buildVideoArgs(withQc(), '/out', { from: 3, seek: 18, frames: 144 }).outputOptions[1]!;
    expect(gap).not.toMatch(/sqc|blackdetect/);
  });

  it('the sound QC hangs off each source stream the audio pass reads, ending in a sink', () => {
    const args = buildAudioArgs(withQc(), '/out').outputOptions;
    expect(args[0]).toBe('-filter_complex');
    expect(args[1]).toMatch(
      /^\[0:2\]asetnsamples=n=12000:p=0,silencedetect=.*ametadata=print:file=a-audio-2\.txt,anullsink$/,
    );
  });

  it('two runs over one stretch give one finding; a reject-level finding stops with a sentence', () => {
    const f = (start: number, end: number, severity: QcFinding['severity'] = 'warn'): QcFinding => ({
      kind: 'black',
      start,
      end,
      severity,
      detail: `${end - start} s of black picture`,
    });
    expect(mergeFindings([f(6, 8), f(7.9, 10), f(14, 15)]).map((x) => [x.start, x.end])).toEqual([
      [6, 10],
      [14, 15],
    ]);
    expect(qcRejection([f(6, 10)])).toBeUndefined();
    expect(qcRejection([f(6, 10, 'reject')])?.message).toMatch(
      /^QC rejected the master: 4 s of black picture\. .*qc\.black\.severity.*no playlist was published/,
    );
  });
});

describe('the QC pictures through the media protocol', () => {
  it("serves the title's frame and thumbnails from its QC folder, nothing else", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qc-media-'));
    const qcDir = join(dir, 'qc');
    await mkdir(qcDir);
    await writeFile(join(qcDir, 'frame.jpg'), 'jpeg');
    await writeFile(join(qcDir, 'qc-black-6000.jpg'), 'thumb');
    await writeFile(join(dir, 'secret.jpg'), 'no');
    const job = { id: 'j1', stages: {}, qcDir } as unknown as JobSnapshot;
    const origin = new FolderDestination('origin', join(dir, 'origin'));
    const get = (path: string) => serveMedia({ jobId: 'j1', where: 'local', path }, job, origin);
    const frame = await get('@qc/frame.jpg');
    expect([frame.status, frame.contentType, Buffer.from(frame.body).toString()]).toEqual([200, 'image/jpeg', 'jpeg']);
    expect((await get('@qc/qc-black-6000.jpg')).status).toBe(200);
    expect((await get('@qc/../secret.jpg')).status).not.toBe(200);
    expect((await get('@qc/secret.jpg')).status).toBe(404);
    expect((await get('@qc/frame.png')).status).not.toBe(200);
    const none = await serveMedia(
      { jobId: 'j1', where: 'local', path: '@qc/frame.jpg' },
      { ...job, qcDir: undefined },
      origin,
    );
    expect(none.status).toBe(404);
  });
});
