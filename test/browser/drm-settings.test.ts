/// <reference lib="dom" />
/**
 * Settings → Studio DRM in Chromium against the real engine process (issue #25): the operator turns
 * DRM on for new titles, sees FairPlay disabled under cenc (the engine's rule), gets the engine's
 * refusal of a plain-http provider beside the URL field, then saves a SPEKE provider with an API-key
 * header. settings.json holds the drm section and no header value; credentials.json holds it only
 * sealed; after a reload the form says "sealed", never the value. A master dropped next is encrypted
 * with keys asked of the provider with that header, and the title's Overview shows the scheme,
 * systems, key IDs and provider. Remove forgets the header; DRM turned off keeps the section.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeMaster } from '../helpers/masters';
import { startSpekeServer, type SpekeServer } from '../helpers/speke-server';
import { tempDir } from '../helpers/station';
import {
  assertTestBuild,
  axeViolations,
  callApi,
  dropFiles,
  engineOptions,
  launchChromium,
  openDetailTab,
  screenshot,
} from './browser-harness';
import { startEngineProcess, type EngineProcess } from './engine-harness';
import type { EngineProcessOptions } from './engine-process';

let dir: string;
let opts: EngineProcessOptions;
let speke: SpekeServer;
let engine: EngineProcess | undefined;
let context: BrowserContext;
let page: Page;

const label = (text: string) => page.getByLabel(text, { exact: true });
const settingsFile = async (): Promise<string> => readFile(join(opts.userDataDir, 'settings.json'), 'utf8');
const credentialsFile = async (): Promise<string> => readFile(join(opts.userDataDir, 'credentials.json'), 'utf8');

/** Save, and wait until the save bar says what it should (a refusal or "Saved"). */
async function save(says: RegExp): Promise<void> {
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect.poll(() => page.getByTestId('settings-status').textContent(), { timeout: 30_000 }).toMatch(says);
}

beforeAll(async () => {
  await assertTestBuild();
  dir = await tempDir('ingest-drm-settings-');
  speke = await startSpekeServer();
  await mkdir(join(dir, 'drops'), { recursive: true });
  await copyFile(await makeMaster({ seconds: 4 }), join(dir, 'drops', 'Studio Film.mp4'));
  await writeFile(join(dir, 'speke-ca.pem'), speke.ca);
  opts = engineOptions(dir);
  await mkdir(opts.userDataDir, { recursive: true });
  // Settings saved once without DRM: a folder origin, small segments.
  await writeFile(
    join(opts.userDataDir, 'settings.json'),
    JSON.stringify({
      destinations: { origin: { type: 'folder', path: join(dir, 'origin') } },
      origin: 'origin',
      workDir: join(dir, 'app-work'),
      profile: 'preview',
      segmentSeconds: 2,
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
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Settings → Studio DRM', () => {
  it('a SPEKE provider with a sealed header: saved without the value in text, shown as sealed, used for the next title', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    await expect(page.getByTestId('drm-state').textContent()).resolves.toMatch(/^New titles are delivered without/);
    await label('DRM for new titles').check();
    // The defaults: cbcs, all three systems, a key per track type, local keys.
    for (const s of ['Widevine', 'PlayReady', 'FairPlay']) await expect(label(s).isChecked()).resolves.toBe(true);
    await expect(page.getByLabel('Key provider').inputValue()).resolves.toBe('local');

    // cenc: FairPlay unticked and disabled, and the screen says why; back to cbcs it can be ticked again.
    await page.getByLabel('Encryption scheme').selectOption('cenc');
    await expect(label('FairPlay').isDisabled()).resolves.toBe(true);
    await expect(label('FairPlay').isChecked()).resolves.toBe(false);
    await expect(page.getByTestId('drm-fairplay-note').textContent()).resolves.toBe(
      'FairPlay plays only cbcs: choose the cbcs scheme to signal FairPlay.',
    );
    await page.getByLabel('Encryption scheme').selectOption('cbcs');
    await expect(label('FairPlay').isDisabled()).resolves.toBe(false);
    await label('FairPlay').check();

    // The engine's refusal, beside the field it is about.
    await page.getByLabel('Key provider').selectOption('speke');
    await label('SPEKE URL').fill('http://keys.example.com/speke');
    await save(/keyProvider\.url/);
    await expect(page.getByTestId('field-error-drm-url').textContent()).resolves.toBe(
      'Plain http is allowed only to this machine (127.0.0.1, localhost); use https://keys.example.com.',
    );
    await expect(label('SPEKE URL').getAttribute('aria-describedby')).resolves.toBe('field-error-drm-url');

    await label('SPEKE URL').fill(speke.url);
    await label('Provider CA certificate (PEM file, optional)').fill(join(dir, 'speke-ca.pem'));
    await page.getByRole('button', { name: 'Add header' }).click();
    await label('Header 1 name').fill('x-api-key');
    await label('Header 1 value').fill(speke.apiKey);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByTestId('drm-settings').scrollIntoViewIfNeeded();
    await screenshot(page, 'settings-drm.png');
    await save(/^Saved\. The engine restarted/);
    await expect(page.getByTestId('field-error-drm-url').count()).resolves.toBe(0);

    // On disk: the drm section in settings.json, the header value in no file in text.
    const saved = JSON.parse(await settingsFile());
    expect(saved.drm).toEqual({
      enabled: true,
      scheme: 'cbcs',
      systems: ['widevine', 'playready', 'fairplay'],
      trackKeys: 'audio-sd-hd',
      keyProvider: { type: 'speke', url: speke.url, caFile: join(dir, 'speke-ca.pem') },
      clearLead: 0,
      rotateEvery: 0,
    });
    expect(await settingsFile()).not.toContain(speke.apiKey);
    const sealed = JSON.parse(await credentialsFile());
    expect(sealed['@speke'].boundTo).toBe(speke.url);
    expect(await credentialsFile()).not.toContain(speke.apiKey);
    expect(await credentialsFile()).not.toContain(Buffer.from(speke.apiKey).toString('base64'));
    const view = await callApi(engine!.url, 'getSettings');
    expect(view.spekeHeadersStored).toEqual(['x-api-key']);
    expect(JSON.stringify(view)).not.toContain(speke.apiKey);

    // After a reload: "sealed", with Replace and Remove, never the value.
    await page.reload();
    await page.getByRole('button', { name: 'Settings' }).click();
    await expect(page.getByTestId('speke-headers-status').textContent()).resolves.toBe(
      'Sealed: x-api-key. Values are never shown; replace or remove them.',
    );
    await expect(page.getByTestId('speke-headers').locator('input').count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Replace headers' }).waitFor();
    await page.getByRole('button', { name: 'Remove headers' }).waitFor();
    expect(await page.content()).not.toContain(speke.apiKey);

    // The next title is a DRM title, its keys asked of the provider with the sealed header.
    await page.getByRole('button', { name: 'Back to the queue' }).click();
    await dropFiles(page, ['Studio Film.mp4']);
    const row = page.locator('[data-testid=job][data-state=done]', { hasText: 'Studio Film' });
    await row.waitFor({ timeout: 120_000 });
    expect(speke.requests.length).toBeGreaterThan(0);
    for (const r of speke.requests) expect(r.headers['x-api-key']).toBe(speke.apiKey);
    await row.click();
    await openDetailTab(page, 'Overview');
    const facts = page.getByTestId('job-detail').getByTestId('drm-facts');
    const text = await facts.textContent();
    expect(text).toMatch(
      /^DRMcbcs · widevine, playready, fairplay · keys from SPEKE key provider https:\/\/127\.0\.0\.1/,
    );
    const kids = speke.requests[0]!.kids;
    expect(kids.length).toBeGreaterThan(1);
    for (const kid of kids) expect(text).toContain(kid);
    await expect(facts.getByTestId('drm-key').locator('dt').allTextContents()).resolves.toEqual(
      expect.arrayContaining(['audio']),
    );
    await screenshot(page, 'overview-drm.png');
  });

  it('Remove forgets the sealed header; DRM turned off keeps the section for next time', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Remove headers' }).click();
    await expect(page.getByTestId('speke-headers-status').textContent()).resolves.toBe(
      'The sealed headers (x-api-key) will be removed on Save.',
    );
    await label('DRM for new titles').uncheck();
    await expect(page.getByTestId('drm-off-warning').textContent()).resolves.toMatch(
      /^Titles already planned with DRM need it on to finish/,
    );
    await save(/^Saved\./);
    expect(JSON.parse(await credentialsFile())['@speke']).toBeUndefined();
    expect((await callApi(engine!.url, 'getSettings')).spekeHeadersStored).toBeUndefined();
    expect(JSON.parse(await settingsFile()).drm).toMatchObject({
      enabled: false,
      keyProvider: { type: 'speke', url: speke.url },
    });
    await expect(page.getByTestId('drm-state').textContent()).resolves.toMatch(/^New titles are delivered without/);
    await expect(page.getByTestId('drm-provider').count()).resolves.toBe(0);
  });
});
