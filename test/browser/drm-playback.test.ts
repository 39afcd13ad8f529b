/// <reference lib="dom" />
/**
 * What a viewer's player makes of a DRM package: Shaka Player in Debian's Chromium plays the DASH
 * and the HLS of the encrypted tiny package through ClearKey (`org.w3.clearkey`, the only key system
 * Chromium has here) — cbcs with keys from the SPEKE v2 test provider and the provider's own
 * signalling, cenc with local keys and the station's — and fails without the keys (no key system it
 * can use) and with a wrong key (the picture does not decode).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { LocalKeyProvider, fileKeySeal } from '../../electron/engine/drm/local-keys';
import { SpekeProvider } from '../../electron/engine/drm/speke';
import { makeCmafPackage } from '../helpers/cmaf';
import { encryptPackage, type DrmPackage } from '../helpers/drm-package';
import { startSpekeServer, type SpekeServer } from '../helpers/speke-server';
import { tempDir } from '../helpers/station';
import { launchChromium } from './browser-harness';
import { startPlayerServer, type PlayerServer } from './player-server';

declare global {
  interface Window {
    shaka: {
      polyfill: { installAll(): void };
      Player: new () => {
        attach(v: HTMLVideoElement): Promise<void>;
        configure(c: unknown): void;
        load(url: string): Promise<void>;
        addEventListener(t: string, f: (e: { detail: { code: number } }) => void): void;
      };
    };
  }
}

let dir: string;
let server: PlayerServer | undefined;
let base: string;
let speke: SpekeServer;
let context: BrowserContext;
let page: Page;
const pkgs: Record<'cbcs' | 'cenc' | 'rotated' | 'lead', DrmPackage> = {} as never;

beforeAll(async () => {
  dir = await tempDir('ingest-drm-play-');
  speke = await startSpekeServer();
  const clear = await makeCmafPackage(join(dir, 'clear'), 4);
  pkgs.cbcs = await encryptPackage(
    clear,
    join(dir, 'pkg', 'cbcs'),
    new SpekeProvider({ url: speke.url, headers: { 'x-api-key': speke.apiKey }, ca: speke.ca }),
    { scheme: 'cbcs', systems: ['widevine', 'playready', 'fairplay'], trackKeys: 'audio-sd-hd' },
  );
  pkgs.cenc = await encryptPackage(
    clear,
    join(dir, 'pkg', 'cenc'),
    new LocalKeyProvider(join(dir, 'keys'), fileKeySeal(join(dir, 'keys', 'station.key'))),
    { scheme: 'cenc', systems: ['widevine', 'playready'], trackKeys: 'audio-sd-hd' },
  );
  // Key rotation: a new key every segment, named in each fragment (seig) and in HLS per period.
  pkgs.rotated = await encryptPackage(
    clear,
    join(dir, 'pkg', 'rotated'),
    new LocalKeyProvider(join(dir, 'keys'), fileKeySeal(join(dir, 'keys', 'station.key'))),
    { scheme: 'cbcs', systems: ['widevine', 'playready', 'fairplay'], trackKeys: 'audio-sd-hd', rotateEvery: 1 },
  );
  // A clear lead of one segment (the operator's option): clear, then encrypted, in one track.
  pkgs.lead = await encryptPackage(
    clear,
    join(dir, 'pkg', 'lead'),
    new LocalKeyProvider(join(dir, 'keys'), fileKeySeal(join(dir, 'keys', 'station.key'))),
    { scheme: 'cbcs', systems: ['widevine', 'playready', 'fairplay'], trackKeys: 'audio-sd-hd', clearLead: 1 },
  );
  server = await startPlayerServer(join(dir, 'pkg'), { '/shaka.js': 'shaka-player/dist/shaka-player.compiled.js' });
  base = server.base;
  ({ context, page } = await launchChromium(join(dir, 'profile')));
  await page.goto(`${base}/probe.html`);
  await page.addScriptTag({ url: `${base}/shaka.js` });
});

afterAll(async () => {
  await context?.close();
  await speke?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Played {
  time: number;
  error?: number;
  width: number;
}

/** Load a manifest in Shaka Player with the given ClearKey keys (none: Shaka's own choice), play up to 2 s. */
function play(url: string, clearKeys: Record<string, string> | undefined, waitMs = 20_000): Promise<Played> {
  return page.evaluate(
    async ({ url, clearKeys, waitMs }) => {
      const video = document.getElementById('v') as HTMLVideoElement;
      window.shaka.polyfill.installAll();
      const player = new window.shaka.Player();
      await player.attach(video);
      let error: number | undefined;
      player.addEventListener('error', (e) => (error ??= e.detail.code));
      player.configure({
        streaming: { retryParameters: { maxAttempts: 1 } },
        drm: clearKeys ? { clearKeys } : {},
      });
      try {
        await player.load(url);
        await video.play();
      } catch (e) {
        // play() interrupted (DOMException AbortError) is what a decoder failure does to the element
        // first on a slow machine: Shaka's own error event, which names the cause, is awaited below.
        if ((e as { name?: string }).name !== 'AbortError') error ??= (e as { code?: number }).code ?? -1;
      }
      const start = performance.now();
      while (error === undefined && video.currentTime < 2.6 && performance.now() - start < waitMs)
        await new Promise((r) => setTimeout(r, 100));
      const out = { time: video.currentTime, width: video.videoWidth, ...(error !== undefined ? { error } : {}) };
      await (player as unknown as { destroy(): Promise<void> }).destroy();
      return out;
    },
    { url, clearKeys, waitMs },
  );
}

const keysOf = (p: DrmPackage): Record<string, string> => p.encryptor.clearKeysForPlayer();

describe('Shaka Player plays the DRM package through ClearKey', () => {
  for (const scheme of ['cbcs', 'cenc', 'rotated', 'lead'] as const)
    for (const manifest of ['manifest.mpd', 'master.m3u8'])
      it(`${scheme} ${manifest.endsWith('.mpd') ? 'DASH' : 'HLS'}: plays with the keys`, async () => {
        if (scheme === 'rotated') expect(new Set(pkgs.rotated.plan.slots.map((s) => s.kid)).size).toBeGreaterThan(3);
        const r = await play(`${base}/${scheme}/${manifest}`, keysOf(pkgs[scheme]));
        expect(r.error).toBeUndefined();
        // Past the first segment: with rotation, the second segment's key came from its seig group.
        expect(r.time).toBeGreaterThanOrEqual(scheme === 'rotated' || scheme === 'lead' ? 2.5 : 2);
        expect(r.width).toBeGreaterThan(0);
      });

  it("rotated: with only the first period's keys playback stops at the second segment", async () => {
    const all = keysOf(pkgs.rotated);
    const first = new Set(pkgs.rotated.plan.slots.filter((s) => s.period === 0).map((s) => s.kid.replace(/-/g, '')));
    const r = await play(
      `${base}/rotated/manifest.mpd`,
      Object.fromEntries(Object.entries(all).filter(([k]) => first.has(k))),
      6000,
    );
    expect(r.time).toBeLessThan(2.5);
  });

  it('fails without the keys (no key system it can use: 6001) and with a wrong key (the decoder fails: 3016)', async () => {
    for (const manifest of ['manifest.mpd', 'master.m3u8']) {
      const none = await play(`${base}/cbcs/${manifest}`, undefined);
      // 6001: REQUESTED_KEY_SYSTEM_CONFIG_UNAVAILABLE (Widevine, PlayReady, FairPlay: none in this Chromium).
      expect(none.error, manifest).toBe(6001);
      expect(none.time).toBe(0);
      const wrong = Object.fromEntries(Object.keys(keysOf(pkgs.cbcs)).map((kid) => [kid, 'ff'.repeat(16)]));
      const bad = await play(`${base}/cbcs/${manifest}`, wrong);
      // 3016: VIDEO_ERROR — the decoder got garbage.
      expect(bad.error, manifest).toBe(3016);
      expect(bad.time, manifest).toBeLessThan(2);
    }
  });
});
