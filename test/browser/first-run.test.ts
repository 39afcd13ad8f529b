/// <reference lib="dom" />
/**
 * A first run in Chromium against the real engine, from an empty profile: the window offers the
 * setup instead of the queue and refuses a drop, saying why (the engine refuses too); the operator
 * points the origin at a folder, tests it, sees ffmpeg found, saves and sends the sample master that
 * ffmpeg makes through every stage — delivered at the origin — and the station then takes masters.
 * The dashboard shows the day (titles, throughput per destination, what waits on what). Every screen
 * passes axe-core and is photographed at 1280×720 and 1920×1080, light and dark.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makeMaster } from '../helpers/masters';
import { tempDir } from '../helpers/station';
import { callApi, dropFiles, openWindow, shotsAtEverySize, type AppWindow } from './browser-harness';

let dir: string;
let app: AppWindow;
let page: Page;

beforeAll(async () => {
  dir = await tempDir('ingest-first-run-');
  await mkdir(join(dir, 'drops'));
  await copyFile(await makeMaster({ seconds: 3 }), join(dir, 'drops', 'First Film.mp4'));
  app = await openWindow(dir);
  page = app.page;
});

afterAll(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the first run', () => {
  it('from an empty profile to a delivered sample, no README needed; masters refused until then, taken after', async () => {
    const setup = page.getByTestId('first-run');
    await setup.waitFor();
    // A drop before any origin: refused, with the reason — by the window, and by the engine.
    await dropFiles(page, ['First Film.mp4']);
    await expect(page.getByTestId('add-error').textContent()).resolves.toMatch(
      /^Not added: no origin is set yet\. Finish the setup first/,
    );
    await expect(callApi(app.engine.url, 'addMasters', [join(dir, 'drops', 'First Film.mp4')])).rejects.toThrow(
      /^No origin is set yet: finish the setup/,
    );
    await expect
      .poll(() => page.getByTestId('setup-tools').textContent())
      .toMatch(/^Found ffmpeg \S+ \(.*ffmpeg\) and ffprobe/);
    await shotsAtEverySize(page, 'first-run');

    // 1. The origin: a folder, tested by writing, reading back and deleting an object.
    const origin = page.getByTestId('destination-origin');
    await origin.getByRole('textbox', { name: 'Folder' }).fill(join(dir, 'origin'));
    await origin.getByRole('button', { name: 'Test connection' }).click();
    await origin.locator('[data-testid=connection-test].dest__test--ok').waitFor();
    await expect(page.getByTestId('setup-step-1').getAttribute('data-status')).resolves.toBe('ok');
    // 2. No archive this time (it says it can be added later); 3. ffmpeg was found.
    await expect(page.getByTestId('setup-step-2').getAttribute('data-status')).resolves.toBe('skipped');
    await expect(page.getByTestId('setup-step-3').getAttribute('data-status')).resolves.toBe('ok');

    // 4. Save, then the sample through every stage, delivered at the origin.
    await page.getByTestId('run-sample').click();
    const sample = page.getByTestId('sample');
    await expect.poll(() => sample.getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
    await expect(page.getByTestId('sample-done').textContent()).resolves.toMatch(
      /^Delivered as ingest-station-sample-\d{4}-\d\d-\d\d-\d{6} to origin, verified and audited: this station works\./,
    );
    await expect(
      sample
        .locator('[data-testid=stagebar] li')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-stage-state'))),
    ).resolves.toEqual(['done', 'done', 'done', 'done', 'done', 'done', 'done', 'skipped', 'done', 'done']);
    const [titleId] = (await readdir(join(dir, 'origin'))).filter((n) => !n.startsWith('.'));
    expect(await readFile(join(dir, 'origin', titleId!, 'master.m3u8'), 'utf8')).toContain('#EXT-X-STREAM-INF');
    await shotsAtEverySize(page, 'first-run-done');

    // The station works: the queue, with the sample delivered, takes a dropped master.
    await page.getByRole('button', { name: 'Open the queue' }).click();
    await page.locator('[data-testid=job][data-state=done]', { hasText: 'Ingest Station sample' }).waitFor();
    await dropFiles(page, ['First Film.mp4']);
    await page.locator('[data-testid=job][data-state=done]', { hasText: 'First Film' }).waitFor({ timeout: 90_000 });
    expect(app.pageErrors).toEqual([]);
  });

  it('the dashboard: titles today, throughput over the day per destination, what waits on what', async () => {
    await page.getByRole('button', { name: 'Dashboard' }).click();
    const dash = page.getByTestId('dashboard');
    await expect(dash.getByTestId('today-delivered').textContent()).resolves.toBe('2delivered today');
    await expect(dash.getByTestId('today-added').textContent()).resolves.toBe('2added today');
    await expect
      .poll(() => dash.getByTestId('throughput-summary').first().textContent())
      .toMatch(/^origin: .* · average .*\/s · peak .*\/s$/);
    await expect(dash.getByTestId('waiting-on').count()).resolves.toBe(0);
    await dash.getByText('Nothing is waiting: the queue is empty.').waitFor();
    await shotsAtEverySize(page, 'dashboard');
    expect(app.pageErrors).toEqual([]);
  });
});
