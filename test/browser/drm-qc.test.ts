/**
 * A DRM title in the app (issue #25): the engine process, configured for Studio DRM with keys from
 * the SPEKE v2 stand-in, delivers a dropped master to a radosgw origin; the title's detail shows the
 * scheme, systems, key IDs per track type and the provider; the QC player (Shaka Player in
 * Chromium, ClearKey) plays the local package and the origin copy — HLS and DASH each — with the
 * keys the engine hands it over IPC; and no content key is anywhere on disk in the app's folders or
 * at the origin.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { S3DestinationConfig } from '../../electron/common/config';
import { keyBytesIn } from '../helpers/drm-package';
import { makeMaster } from '../helpers/masters';
import { freshBucket, listKeys } from '../helpers/s3';
import { startSpekeServer, type SpekeServer } from '../helpers/speke-server';
import { tempDir } from '../helpers/station';
import {
  assertTestBuild,
  callApi,
  dropFiles,
  engineOptions,
  launchChromium,
  openDetailTab,
  screenshot,
} from './browser-harness';
import { startEngineProcess, type EngineProcess } from './engine-harness';

let dir: string;
let speke: SpekeServer;
let origin: { cfg: S3DestinationConfig; client: S3Client };
let engine: EngineProcess | undefined;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  await assertTestBuild();
  dir = await tempDir('ingest-drm-qc-');
  speke = await startSpekeServer();
  origin = await freshBucket(inject('s3Endpoint'));
  await mkdir(join(dir, 'drops'), { recursive: true });
  await copyFile(await makeMaster({ seconds: 6 }), join(dir, 'drops', 'DRM Film.mp4'));
  await writeFile(join(dir, 'speke-ca.pem'), speke.ca);
  // The engine process reads the provider's token from its environment ("env:"), never from settings.
  process.env.SPEKE_TEST_KEY = speke.apiKey;
  const opts = engineOptions(dir);
  await mkdir(opts.userDataDir, { recursive: true });
  await writeFile(
    join(opts.userDataDir, 'settings.json'),
    JSON.stringify({
      destinations: { origin: origin.cfg },
      origin: 'origin',
      workDir: join(dir, 'app-work'),
      profile: 'preview',
      segmentSeconds: 2,
      dash: true,
      drm: {
        enabled: true,
        keyProvider: {
          type: 'speke',
          url: speke.url,
          headers: { 'x-api-key': 'env:SPEKE_TEST_KEY' },
          caFile: join(dir, 'speke-ca.pem'),
        },
      },
    }),
  );
  engine = await startEngineProcess(opts);
  ({ context, page } = await launchChromium(join(dir, 'profile')));
  await page.goto(engine.url);
});

afterAll(async () => {
  await context?.close();
  await engine?.stop();
  await speke?.close();
  delete process.env.SPEKE_TEST_KEY;
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a DRM title in the app', () => {
  it('delivered with SPEKE keys; the detail names the keys; the QC player plays the local package and the origin copy, HLS and DASH, through ClearKey', async () => {
    await dropFiles(page, ['DRM Film.mp4']);
    const row = page.locator('[data-testid=job][data-state=done]', { hasText: 'DRM Film' });
    await row.waitFor({ timeout: 120_000 });
    await row.click();
    const detail = page.getByTestId('job-detail');
    await openDetailTab(page, 'QC');
    const qc = detail.getByTestId('qc-player');
    await qc.locator('summary').click();
    const summary = await qc.getByTestId('drm-summary').textContent();
    expect(summary).toMatch(
      /cbcs · widevine, playready, fairplay · keys from SPEKE key provider https:\/\/127\.0\.0\.1/,
    );
    for (const kid of speke.requests[0]!.kids) expect(summary).toContain(kid);
    expect(summary).toMatch(/audio.*sd.*hd|audio.*hd.*sd/s);
    const status = qc.getByTestId('qc-status');
    // The local package (the player's first choice) and the origin copy, each as HLS and DASH.
    for (const [source, where] of [
      ['local', 'the local package'],
      ['origin', 'the origin'],
    ] as const) {
      await qc.getByTestId('qc-source').selectOption(source);
      for (const manifest of ['master.m3u8', 'manifest.mpd']) {
        await qc.getByTestId('qc-manifest').selectOption(manifest);
        await expect
          .poll(async () => `${await status.textContent()} ${await status.getAttribute('data-time')}`, {
            timeout: 30_000,
          })
          .toMatch(
            new RegExp(`Playing ${manifest.endsWith('.mpd') ? 'DASH' : 'HLS'} from ${where}.* (1\\.[5-9]|[2-9])`),
          );
        expect(await status.textContent()).not.toMatch(/Cannot play/);
      }
    }
    await screenshot(page, 'qc-drm.png');
    // The keys reached the player over IPC only: not a byte of them on disk or at the origin.
    const jobs = await callApi(engine!.url, 'listJobs');
    expect(jobs[0]!.drm?.plan.slots).toHaveLength(3);
    const keys = [...speke.keys.values()];
    // The app's folders (settings, sealed credentials, the work folder with every job and package).
    expect(await keyBytesIn(join(dir, 'app'), keys)).toEqual([]);
    expect(await keyBytesIn(join(dir, 'app-work'), keys)).toEqual([]);
    const at = join(dir, 'at-origin');
    for (const key of await listKeys(origin.client, origin.cfg.bucket)) {
      const o = await origin.client.send(new GetObjectCommand({ Bucket: origin.cfg.bucket, Key: key }));
      await mkdir(dirname(join(at, key)), { recursive: true });
      await writeFile(join(at, key), await o.Body!.transformToByteArray());
    }
    expect(await keyBytesIn(at, keys)).toEqual([]);
  });
});
