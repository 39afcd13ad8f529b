/// <reference lib="dom" />
/**
 * The Master tab in real Chromium against the real engine: a letterboxed master's decisions with
 * their evidence, the crop drawn on a frame of the master, the loudness before and after; the QC
 * timeline of a master with black, frozen and silent stretches (a thumbnail on hover, a click that
 * plays the title from there); and an override set on a held title, obeyed by its plan.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stationConfigSchema } from '../../electron/common/config';
import type { JobSnapshot } from '../../electron/common/jobs';
import { makeContentMaster } from '../helpers/masters';
import { tempDir } from '../helpers/station';
import { assertTestBuild, callApi, dropFiles, engineOptions, launchChromium, openDetailTab } from './browser-harness';
import { startEngineProcess, type EngineProcess } from './engine-harness';

let dir: string;
let engine: EngineProcess;
let context: BrowserContext;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  await assertTestBuild();
  dir = await tempDir('ingest-master-tab-');
  const drops = join(dir, 'drops');
  await mkdir(drops);
  await copyFile(await makeContentMaster('letterbox'), join(drops, 'Boxed Film.mov'));
  await copyFile(await makeContentMaster('qc'), join(drops, 'Gap Film.mov'));
  await copyFile(await makeContentMaster('pillarbox'), join(drops, 'Held Film.mov'));
  const config = stationConfigSchema.parse({
    destinations: { local: { type: 'folder', path: join(dir, 'origin') } },
    origin: 'local',
    workDir: join(dir, 'work'),
    segmentSeconds: 2,
    profile: 'preview',
  });
  await mkdir(join(dir, 'app'), { recursive: true });
  await writeFile(join(dir, 'app', 'settings.json'), JSON.stringify(config));
  engine = await startEngineProcess(engineOptions(dir));
  ({ context, page } = await launchChromium(join(dir, 'profile')));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(engine.url);
});

afterAll(async () => {
  await context?.close();
  await engine?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const done = (title: string) => page.locator('[data-testid=job][data-state=done]', { hasText: title });
const detail = () => page.getByTestId('job-detail');

describe('the Master tab', () => {
  it('a letterboxed master: each decision with its evidence, the crop on a frame, loudness before and after', async () => {
    await dropFiles(page, ['Boxed Film.mov', 'Gap Film.mov']);
    await done('Boxed Film').waitFor({ timeout: 90_000 });
    await done('Boxed Film').click();
    await openDetailTab(page, 'Master');
    const rows = await detail().getByTestId('decision').allTextContents();
    expect(rows[0]).toMatch(/^Picture .*progressive/i);
    expect(rows[1]).toMatch(/^Crop .*\(from the content\)$/);
    const rect = detail().getByTestId('crop-rect');
    const style = await rect.getAttribute('style');
    // 640×268 at 0,46 of 640×360: the kept picture's share of the frame, drawn on it.
    expect(style).toMatch(/left: 0(\.00)?%; top: 12\.78%; width: 100(\.00)?%; height: 74\.44%/);
    const img = detail().getByTestId('crop-frame').locator('img');
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(480);
    const loud = await detail().getByTestId('loudness').locator('tbody tr').first().locator('td').allTextContents();
    expect(loud[1]).toMatch(/^-2[34]\.\d LUFS$/);
  });

  it('the QC timeline marks the black, frozen and silent stretches; hover shows the frame, a click plays from there', async () => {
    await done('Gap Film').waitFor({ timeout: 90_000 });
    await done('Gap Film').click();
    await openDetailTab(page, 'Master');
    const black = detail().locator('[data-testid=qc-mark][data-kind=black]');
    await expect(
      detail()
        .locator('[data-testid=qc-mark]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-kind'))),
    ).resolves.toEqual(expect.arrayContaining(['black', 'freeze', 'silence']));
    await black.hover();
    const thumb = detail().getByTestId('qc-hover').locator('img');
    await expect.poll(() => thumb.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(320);
    await expect(detail().getByTestId('qc-hover').textContent()).resolves.toMatch(
      /0:06–0:10 · warn: 4\.0 s of black picture/,
    );
    await black.click();
    await detail().getByTestId('detail-tab-qc').waitFor();
    await expect
      .poll(async () => Number(await detail().getByTestId('qc-status').getAttribute('data-time')), { timeout: 20_000 })
      .toBeGreaterThanOrEqual(5.5);
  });

  it('an override on a held title is obeyed by its plan; a delivered title says why it cannot change', async () => {
    const [held] = await callApi(engine.url, 'addMasters', [join(dir, 'drops', 'Held Film.mov')], { hold: true });
    await page.locator('[data-testid=job]', { hasText: 'Held Film' }).click();
    await openDetailTab(page, 'Master');
    const form = detail().getByTestId('overrides');
    await form.getByLabel('Crop').fill('none');
    await form.getByRole('button', { name: 'Apply overrides' }).click();
    await expect.poll(() => form.getByTestId('overrides-message').textContent()).toMatch(/^Saved/);
    await callApi(engine.url, 'resumeJob', held!.id);
    await done('Held Film').waitFor({ timeout: 90_000 });
    const jobs: JobSnapshot[] = await callApi(engine.url, 'listJobs');
    const after = jobs.find((j) => j.id === held!.id)!;
    expect(after.decisions?.crop).toMatchObject({ source: 'override' });
    expect(after.decisions?.crop.value).toBeUndefined();
    expect(after.ladder?.rungs[0]).toMatchObject({ width: 640, height: 360 });
    // Delivered: its encode has begun with its decisions.
    await done('Boxed Film').click();
    await openDetailTab(page, 'Master');
    await detail().getByTestId('overrides').getByLabel('Crop').fill('bogus');
    await detail().getByRole('button', { name: 'Apply overrides' }).click();
    await expect(detail().getByTestId('overrides-message').textContent()).resolves.toMatch(
      /^Crop takes auto, none or W:H:X:Y/,
    );
    await detail().getByTestId('overrides').getByLabel('Crop').fill('none');
    await detail().getByRole('button', { name: 'Apply overrides' }).click();
    await expect
      .poll(() => detail().getByTestId('overrides-message').textContent())
      .toMatch(/can no longer change: its encode has begun/);
    expect(errors).toEqual([]);
  });
});
