/// <reference lib="dom" />
/**
 * What a viewer's player makes of a library package: hls.js in Chromium plays the station's
 * package, switches between the audio languages, and shows every cue at its time (± one frame) on
 * every rung — the cue across a segment boundary as one cue, without a gap; the AES-128 package
 * plays with its keys served by a test key server and fails without it; and the app's QC player
 * lists the languages and captions of an encrypted title and plays it with the station's own keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { runCli } from '../helpers/cli';
import { makeLibraryMaster } from '../helpers/masters';
import { tempDir } from '../helpers/station';
import type { KeyFile } from '../../electron/engine/package/encryption';
import type HlsType from 'hls.js';
import type * as DashType from 'dashjs';
import { startPlayerServer, type PlayerServer } from './player-server';
import { callApi, dropFiles, engineOptions, launchChromium, openDetailTab, screenshot } from './browser-harness';
import { startEngineProcess, type EngineProcess } from './engine-harness';

declare global {
  interface Window {
    Hls: typeof HlsType;
    dashjs: typeof DashType;
  }
}

let dir: string;
let server: PlayerServer | undefined;
let base: string;
let context: BrowserContext;
let page: Page;
let engine: EngineProcess | undefined;
const served = { keysUp: true, keyRequests: 0, keys: new Map<string, Buffer>() };

/** The test's own web server: the probe page, hls.js, dash.js, both packages, and the key server. */
async function startServer(root: string): Promise<void> {
  const scripts = { '/hls.js': 'hls.js/dist/hls.js', '/dash.js': 'dashjs/dist/modern/umd/dash.all.min.js' };
  server = await startPlayerServer(root, scripts, (url, send) => {
    const key = /^\/keys\/([0-9a-f-]{36})$/.exec(url.pathname);
    if (!key) return false;
    served.keyRequests++;
    const k = served.keys.get(key[1]!);
    if (served.keysUp && k) send(200, k);
    else send(404, 'no such key');
    return true;
  });
  base = server.base;
}

beforeAll(async () => {
  dir = await tempDir('ingest-playback-');
  await startServer(dir);
  const film = await makeLibraryMaster(join(dir, 'src'));
  const clear = await runCli(
    ['transcode', film, '--out', join(dir, 'pkg'), '--profile', 'preview', '--segment', '2', '--dash'],
    dir,
  );
  expect(clear.code, clear.stderr).toBe(0);
  const config = join(dir, 'enc.json');
  await writeFile(
    config,
    JSON.stringify({
      destinations: { none: { type: 'folder', path: join(dir, 'unused') } },
      origin: 'none',
      workDir: join(dir, 'work'),
      keysDir: join(dir, 'keys'),
    }),
  );
  const enc = await runCli(
    [
      'transcode',
      film,
      '--out',
      join(dir, 'enc'),
      '--config',
      config,
      '--profile',
      'preview',
      '--segment',
      '2',
      '--encrypt',
      '--key-uri',
      `${base}/keys/{keyId}`,
      '--json',
    ],
    dir,
  );
  expect(enc.code, enc.stderr).toBe(0);
  const keyFile = JSON.parse(await readFile((JSON.parse(enc.stdout) as { keys: string }).keys, 'utf8')) as KeyFile;
  for (const k of keyFile.keys) served.keys.set(k.keyId, Buffer.from(k.key, 'hex'));
  ({ context, page } = await launchChromium(join(dir, 'profile')));
  await page.goto(`${base}/probe.html`);
  await page.addScriptTag({ url: `${base}/hls.js` });
  await page.addScriptTag({ url: `${base}/dash.js` });
});

afterAll(async () => {
  await context?.close();
  await engine?.stop();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Played {
  levels: string[];
  audio: string[];
  subtitles: string[];
  fragLevels: number[];
  cues: Array<{ start: number; end: number; text: string }>;
  active: string[];
  audioUrls: string[];
  error?: string;
  time: number;
  /** Where the first frame is presented on the element's clock (cues must follow the picture). */
  firstFrame?: number;
  /** Start of the video buffer after the first fragment: the first frame's presentation time. */
  videoStart?: number;
}

/**
 * Play `src` in a fresh hls.js at rung `level` with subtitle track `subtitle` showing, until its
 * cues are in; optionally switch to audio track `audio`. Runs in the page.
 */
function play(
  src: string,
  opts: { level: number; subtitle: string; audio?: number; boundary?: number; waitMs?: number },
): Promise<Played> {
  return page.evaluate(
    async ({ src, opts }) => {
      const video = document.getElementById('v') as HTMLVideoElement;
      const hls = new window.Hls({
        enableWorker: false,
        startLevel: opts.level,
        capLevelToPlayerSize: false,
        debug: false,
      });
      const out: Played = {
        levels: [],
        audio: [],
        subtitles: [],
        fragLevels: [],
        cues: [],
        active: [],
        audioUrls: [],
        time: 0,
      };
      const done = new Promise<void>((resolve) => {
        hls.on(window.Hls.Events.ERROR, (_e, d) => {
          if (d.fatal) {
            out.error = d.details;
            resolve();
          }
        });
        hls.on(window.Hls.Events.AUDIO_TRACKS_UPDATED, (_e, d) => (out.audio = d.audioTracks.map((t) => t.name)));
        hls.on(
          window.Hls.Events.SUBTITLE_TRACKS_UPDATED,
          (_e, d) => (out.subtitles = d.subtitleTracks.map((t) => t.lang ?? '')),
        );
        hls.on(window.Hls.Events.MANIFEST_PARSED, () => {
          out.levels = hls.levels.map((l) => `${l.height}p`);
          hls.currentLevel = opts.level;
          hls.subtitleDisplay = true;
          hls.subtitleTrack = hls.subtitleTracks.findIndex((t) => t.name === opts.subtitle);
          if (opts.audio !== undefined) hls.audioTrack = opts.audio;
          video.requestVideoFrameCallback((_now, meta) => (out.firstFrame ??= meta.mediaTime));
          void video.play();
        });
        // Where the picture's first frame is, from the video buffer itself: under load the first
        // frame presented can be a later one (the first dropped), which would move the zero.
        hls.on(window.Hls.Events.BUFFER_APPENDED, (_e, d) => {
          const v = d.timeRanges?.video;
          if (v && v.length > 0 && d.frag.sn === 0) out.videoStart = Math.min(out.videoStart ?? Infinity, v.start(0));
        });
        hls.on(window.Hls.Events.FRAG_LOADED, (_e, d) => {
          if (d.frag.type === 'main') out.fragLevels.push(d.frag.level);
          if (d.frag.type === 'audio') out.audioUrls.push(d.frag.url);
        });
        // Done when every subtitle segment of the track is in and the picture has started.
        let subtitleFrags = 0;
        hls.on(window.Hls.Events.SUBTITLE_FRAG_PROCESSED, () => {
          if (++subtitleFrags >= 3 && opts.waitMs === undefined) {
            const check = (): void => void (out.firstFrame !== undefined ? resolve() : setTimeout(check, 50));
            check();
          }
        });
        setTimeout(resolve, opts.waitMs ?? 15_000);
      });
      hls.loadSource(src);
      hls.attachMedia(video);
      await done;
      out.time = video.currentTime;
      const track = Array.from({ length: video.textTracks.length }, (_, i) => video.textTracks[i]!).find(
        (t) => t.label === opts.subtitle,
      );
      if (track?.cues) {
        const seen = new Set<string>();
        for (const c of Array.from(track.cues) as VTTCue[]) {
          const k = `${c.startTime.toFixed(3)}|${c.endTime.toFixed(3)}|${c.text}`;
          if (seen.has(k)) continue; // the same cue from both segments it spans
          seen.add(k);
          out.cues.push({ start: c.startTime, end: c.endTime, text: c.text });
        }
        if (opts.boundary !== undefined) {
          // At the boundary itself the cue is on screen: no gap between the two segments.
          video.pause();
          video.currentTime = opts.boundary;
          await new Promise((r) => video.addEventListener('seeked', r, { once: true }));
          await new Promise((r) => setTimeout(r, 300));
          out.active = Array.from(track.activeCues ?? []).map((c) => (c as VTTCue).text);
        }
      }
      hls.destroy();
      return out;
    },
    { src, opts },
  );
}

const FRAME = 1 / 24;
/**
 * Each cue at its time in the master (± one frame) on the picture's clock: a caption written for
 * the master's frame at 1.5 s must show with that frame, wherever the player presents it.
 */
const near = (played: Played, expected: Array<[number, number, string]>): void => {
  const { cues } = played;
  expect(played.firstFrame, 'the first frame was presented').toBeDefined();
  // hls.js says where the video buffer starts (the first frame); dash.js runs are timed from the first frame presented.
  const zero = played.videoStart ?? played.firstFrame!;
  expect(
    Math.abs(played.firstFrame! - zero),
    'the first frame presented is the first frame of the stream (± one frame)',
  ).toBeLessThanOrEqual(FRAME * 3);
  expect(cues.map((c) => c.text)).toEqual(expected.map((e) => e[2]));
  for (const [i, [start, end]] of expected.entries()) {
    expect(
      Math.abs(cues[i]!.start - zero - start),
      `${cues[i]!.text} starts at ${cues[i]!.start} (first frame at ${zero})`,
    ).toBeLessThanOrEqual(FRAME);
    expect(
      Math.abs(cues[i]!.end - zero - end),
      `${cues[i]!.text} ends at ${cues[i]!.end} (first frame at ${zero})`,
    ).toBeLessThanOrEqual(FRAME);
  }
};

describe('hls.js plays the library package', () => {
  it('lists every language; on every rung each cue is at its time (± one frame); the boundary cue is one cue, on screen at the boundary', async () => {
    const levels = ['240p', '180p'];
    for (const [level, name] of levels.entries()) {
      const es = await play(`${base}/pkg/master.m3u8`, { level, subtitle: 'Español', boundary: 2.0 });
      expect(es.error).toBeUndefined();
      expect(es.levels.sort()).toEqual([...levels].sort());
      expect(
        es.fragLevels.every((l) => l === level),
        `${name}: fragments of levels ${es.fragLevels.join(',')}`,
      ).toBe(true);
      expect(es.audio).toEqual(['Français', 'English (AD)']);
      expect(es.subtitles).toEqual(['de', 'es', 'en']);
      expect(es.videoStart, 'the video buffer start was seen').toBeDefined();
      near(es, [
        [1.5, 2.5, 'Cruza el límite'],
        [4.2, 5.0, 'Otra'],
      ]);
      expect(es.active).toEqual(['Cruza el límite']);
      const sdh = await play(`${base}/pkg/master.m3u8`, { level, subtitle: 'English (SDH)', boundary: 4.0 });
      near(sdh, [
        [1.0, 2.5, 'Hello'],
        [3.5, 4.5, 'Across the boundary'],
      ]);
      expect(sdh.active).toEqual(['Across the boundary']);
      const de = await play(`${base}/pkg/master.m3u8`, { level, subtitle: 'Deutsch' });
      near(de, [
        [0.5, 1.5, 'Hallo'],
        [2.2, 3.0, 'Zweite'],
      ]);
    }
  });

  it('switches to the audio description: its fragments are the ones fetched and the picture keeps playing', async () => {
    const fr = await play(`${base}/pkg/master.m3u8`, { level: 0, subtitle: 'Deutsch', waitMs: 4000 });
    expect(fr.audioUrls.length).toBeGreaterThan(0);
    expect(fr.audioUrls.every((u) => u.includes('/audio/aac-fr/'))).toBe(true);
    const ad = await play(`${base}/pkg/master.m3u8`, { level: 0, subtitle: 'Deutsch', audio: 1, waitMs: 4000 });
    expect(ad.error).toBeUndefined();
    expect(ad.audioUrls.some((u) => u.includes('/audio/aac-en-ad/'))).toBe(true);
    expect(ad.time).toBeGreaterThan(1);
  });

  it('the encrypted package plays with its keys from the key server, and does not without them', async () => {
    served.keysUp = true;
    served.keyRequests = 0;
    const ok = await play(`${base}/enc/master.m3u8`, { level: 0, subtitle: 'Español', waitMs: 5000 });
    expect(ok.error).toBeUndefined();
    expect(ok.time).toBeGreaterThan(1.5);
    expect(served.keyRequests).toBeGreaterThan(0);
    near(ok, [
      [1.5, 2.5, 'Cruza el límite'],
      [4.2, 5.0, 'Otra'],
    ]);
    served.keysUp = false;
    // hls.js retries the key a few times before it gives up (fatal): under load that takes longer
    // than 8 s; play() returns at the fatal error, so the generous wait costs nothing when it is quick.
    const refused = await play(`${base}/enc/master.m3u8`, { level: 0, subtitle: 'Español', waitMs: 30_000 });
    expect(refused.error).toBe('keyLoadError');
    expect(refused.time).toBeLessThan(0.5);
    served.keysUp = true;
  });
});

describe('dash.js plays the DASH manifest over the same chunks', () => {
  it('the same audio languages and WebVTT captions, each cue at its time', async () => {
    const r = await page.evaluate(async (src) => {
      const video = document.getElementById('v') as HTMLVideoElement;
      const player = window.dashjs.MediaPlayer().create();
      const out = {
        audio: [] as string[],
        audioRoles: [] as string[],
        text: [] as string[],
        showing: '',
        time: 0,
        cues: [] as Array<{ start: number; end: number; text: string }>,
        firstFrame: undefined as number | undefined,
        error: '',
      };
      player.updateSettings({ streaming: { text: { defaultEnabled: true } } });
      await new Promise<void>((resolve) => {
        player.on(window.dashjs.MediaPlayer.events.ERROR, (e: { error?: { message?: string } }) => {
          out.error = e.error?.message ?? 'error';
          resolve();
        });
        player.on(window.dashjs.MediaPlayer.events.STREAM_INITIALIZED, () => {
          const audio = player.getTracksFor('audio');
          out.audio = audio.map((t) => t.lang ?? '');
          out.audioRoles = audio.map((t) =>
            (t.roles ?? []).map((x) => (typeof x === 'string' ? x : x.value)).join(','),
          );
          const text = player.getTracksFor('text');
          out.text = text.map((t) => t.lang ?? '');
          video.requestVideoFrameCallback((_n, meta) => (out.firstFrame ??= meta.mediaTime));
          void video.play();
          setTimeout(resolve, 4000);
        });
        player.initialize(video, src, false);
      });
      out.time = video.currentTime;
      for (let i = 0; i < video.textTracks.length; i++) {
        const t = video.textTracks[i]!;
        if (t.mode !== 'showing' || !t.cues) continue;
        out.showing = t.language;
        for (const c of Array.from(t.cues) as VTTCue[])
          out.cues.push({ start: c.startTime, end: c.endTime, text: c.text });
      }
      player.reset();
      return out;
    }, `${base}/pkg/manifest.mpd`);
    expect(r.error).toBe('');
    expect(r.audio).toEqual(['fr', 'en']);
    expect(r.audioRoles).toEqual(['main', 'description']);
    expect(r.text).toEqual(['de', 'es', 'en']);
    expect(r.time).toBeGreaterThan(1);
    // dash.js shows the first text track: the German sidecar, as one WebVTT file.
    expect(r.showing).toBe('de');
    near({ ...r, levels: [], subtitles: [], fragLevels: [], active: [], audioUrls: [] }, [
      [0.5, 1.5, 'Hallo'],
      [2.2, 3.0, 'Zweite'],
    ]);
  });
});

describe("the app's QC player", () => {
  it('an encrypted title: lists its languages and captions, plays with the station’s keys, switches audio', async () => {
    const drops = join(dir, 'drops');
    await mkdir(drops, { recursive: true });
    await makeLibraryMaster(drops);
    const opts = engineOptions(dir, { dropRoot: drops });
    await mkdir(opts.userDataDir, { recursive: true });
    // The platform's key server is not reachable from here: the QC player must not need it.
    await writeFile(
      join(opts.userDataDir, 'settings.json'),
      JSON.stringify({
        destinations: { local: { type: 'folder', path: join(dir, 'origin') } },
        origin: 'local',
        workDir: join(dir, 'app-work'),
        profile: 'preview',
        segmentSeconds: 2,
        encryption: { enabled: true, keyUri: 'https://keys.invalid/{keyId}' },
      }),
    );
    engine = await startEngineProcess(opts);
    const app = await context.newPage();
    await app.goto(engine.url);
    await dropFiles(app, ['Film.mp4']);
    const row = app.locator('[data-testid=job][data-state=done]', { hasText: 'Film' });
    await row.waitFor({ timeout: 90_000 });
    await row.click();
    const detail = app.getByTestId('job-detail');
    await openDetailTab(app, 'Ladder');
    await expect(detail.getByTestId('renditions').textContent()).resolves.toMatch(
      /Français.*default.*English \(AD\).*audio description.*Español.*English \(SDH\).*SDH/s,
    );
    await openDetailTab(app, 'QC');
    const qc = detail.getByTestId('qc-player');
    await qc.locator('summary').click();
    const status = qc.getByTestId('qc-status');
    await expect
      .poll(async () => (await qc.locator('[data-testid=qc-audio] option').allTextContents()).join('|'), {
        timeout: 30_000,
      })
      .toBe('Français|English (AD)');
    expect(await qc.locator('[data-testid=qc-subtitles] option').allTextContents()).toEqual([
      'Off',
      'Deutsch',
      'Español',
      'English (SDH)',
    ]);
    await expect
      .poll(async () => Number(await status.getAttribute('data-time')), { timeout: 30_000 })
      .toBeGreaterThan(1);
    await qc.getByTestId('qc-audio').selectOption({ label: 'English (AD)' });
    await expect.poll(() => status.getAttribute('data-audio'), { timeout: 15_000 }).toBe('English (AD)');
    await qc.getByTestId('qc-subtitles').selectOption({ label: 'Español' });
    await expect.poll(() => status.getAttribute('data-subtitles'), { timeout: 15_000 }).toBe('Español');
    const jobs = await callApi(engine.url, 'listJobs');
    expect(jobs[0]!.keyExport).toMatch(/app-work\/keys\//);
    await screenshot(app, 'qc-library.png');
    await app.close();
  });
});
