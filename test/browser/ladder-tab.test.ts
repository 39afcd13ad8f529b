/// <reference lib="dom" />
/**
 * The Ladder tab of a per-title title in real Chromium, in front of the real engine (real ffmpeg,
 * folder destination): a quiet generated film goes through with a per-title profile; the tab shows
 * the bitrate–quality chart (one curve of trials per rung, the chosen point, the fixed rate) and
 * the table — per rung the bit rate chosen against the fixed one, the SSIM measured, the bytes
 * saved — and says which metric was used and why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stationConfigSchema } from '../../electron/common/config';
import { makeFilm, progressiveSpecFile } from '../helpers/per-title';
import { tempDir } from '../helpers/station';
import {
  assertTestBuild,
  dropFiles,
  engineOptions,
  launchChromium,
  openDetailTab,
  screenshot,
} from './browser-harness';
import { startEngineProcess, type EngineProcess } from './engine-harness';

let dir: string;
let engine: EngineProcess;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  await assertTestBuild();
  dir = await tempDir('ingest-ladder-tab-');
  await mkdir(join(dir, 'drops'));
  await copyFile(await makeFilm({ kind: 'pan', seconds: 4, audio: true }), join(dir, 'drops', 'Quiet Film.mp4'));
  const profile = join(dir, 'per-title.json');
  await writeFile(
    profile,
    JSON.stringify({
      rungs: [
        { height: 360, kbps: 800 },
        { height: 180, kbps: 250 },
      ],
      audioKbps: 96,
      ladder: 'per-title',
      trickplay: false,
    }),
  );
  const config = stationConfigSchema.parse({
    destinations: { local: { type: 'folder', path: join(dir, 'origin') } },
    origin: 'local',
    workDir: join(dir, 'work'),
    segmentSeconds: 2,
    profile,
    specPath: await progressiveSpecFile(dir),
  });
  await mkdir(join(dir, 'app'), { recursive: true });
  await writeFile(join(dir, 'app', 'settings.json'), JSON.stringify(config));
  engine = await startEngineProcess(engineOptions(dir));
  ({ context, page } = await launchChromium(join(dir, 'profile')));
});

afterAll(async () => {
  await context?.close();
  await engine?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Ladder tab', () => {
  it('shows the per-title choice: a chart per rung and the bit rates, SSIM and bytes saved', async () => {
    await page.goto(engine.url);
    await dropFiles(page, ['Quiet Film.mp4']);
    const job = page.locator('[data-testid=job][data-state=done]', { hasText: 'Quiet Film' });
    await job.waitFor({ timeout: 90_000 });
    await job.click();
    await openDetailTab(page, 'Ladder');
    const detail = page.getByTestId('job-detail');
    await expect(detail.getByTestId('per-title-sentence').textContent()).resolves.toMatch(
      /^Per-title ladder \(SSIM\): 1 of 2 rungs, .* SSIM: this ffmpeg has no libvmaf/,
    );
    const chart = detail.getByTestId('ladder-chart');
    await expect(chart.getAttribute('aria-label')).resolves.toMatch(/^SSIM on the top rung's screen .* 2 rungs/);
    await expect(
      chart.locator('[data-rung]').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-rung'))),
    ).resolves.toEqual(['360p', '180p']);
    await expect(chart.locator('circle').count()).resolves.toBe(2);
    const rows = await detail.getByTestId('per-title-rung').allTextContents();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^360p\d+ kb\/s800 kb\/s0\.99\d+ \(target 0\.995\)\d+\.\d dB.* saved$/);
    // The 180p rung needs more bits than the 360p one on this pan: dropped, its fixed bytes saved.
    expect(rows[1]).toMatch(/^180pdropped250 kb\/s——.* saved$/);
    await screenshot(page, 'ladder-tab.png');
  });
});
