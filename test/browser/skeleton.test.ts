/// <reference lib="dom" />
/**
 * The renderer in real Chromium (Debian's), through the loopback bridge, in front of the real
 * engine (real ffmpeg, folder destination): drop a generated master and a bad one, watch the good
 * one reach "done" and the bad one fail with its reason. Saves a screenshot under test-output/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stationConfigSchema } from '../../electron/common/config';
import { makeMaster } from '../helpers/masters';
import { packageOnly, seedJobAtVerify, tempDir } from '../helpers/station';
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
let engine: EngineProcess;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  await assertTestBuild();
  dir = await tempDir('ingest-browser-');
  const drops = join(dir, 'drops');
  await mkdir(drops);
  await copyFile(await makeMaster({ seconds: 5 }), join(drops, 'Good Film.mp4'));
  await copyFile(await makeMaster({ seconds: 4 }), join(drops, 'Second Film.mp4'));
  await copyFile(await makeMaster({ seconds: 90 }), join(drops, 'Long Film.mp4'));
  await copyFile(await makeMaster({ seconds: 3 }), join(drops, 'Tokyo Story.mp4'));
  await copyFile(await makeMaster({ seconds: 3, fps: 25 }), join(drops, 'Tokyo Story (restored).mp4'));
  await writeFile(join(drops, 'Broken Film.mov'), 'this is not a movie');
  // Its own master: a master dropped again is recognised as the same title (and a failed one retried).
  await copyFile(await makeMaster({ seconds: 6 }), join(dir, 'Damaged Film.mp4'));
  const config = stationConfigSchema.parse({
    destinations: { local: { type: 'folder', path: join(dir, 'origin') } },
    origin: 'local',
    workDir: join(dir, 'work'),
    segmentSeconds: 2,
    profile: 'preview',
  });
  // A title whose package was damaged before verify (as a crash could leave it): the UI must list
  // the bad segment and show that nothing was uploaded.
  const seeder = await packageOnly(join(dir, 'Damaged Film.mp4'), join(dir, 'work-seed'));
  await seedJobAtVerify({
    workDir: join(dir, 'work'),
    id: 'jdamaged',
    title: 'Damaged Film',
    from: { workDir: join(dir, 'work-seed'), jobId: seeder.id },
    damage: (p) => writeFile(join(p, '360p', 'seg_00001.m4s'), ''),
  });
  await rm(join(dir, 'origin'), { recursive: true, force: true });
  // The app's settings, as the settings screen would have saved them.
  await mkdir(join(dir, 'app'), { recursive: true });
  await writeFile(join(dir, 'app', 'settings.json'), JSON.stringify(config));
  engine = await startEngineProcess(engineOptions(dir, { pickFiles: [join(drops, 'Good Film.mp4')] }));
  ({ context, page } = await launchChromium(join(dir, 'profile')));
});

afterAll(async () => {
  await context?.close();
  await engine?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('operator UI in Chromium', () => {
  it('drops three masters, one bad: two delivered, one rejected with its reason', async () => {
    const consoleErrors: string[] = [];
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    await page.goto(engine.url);
    const damaged = page.locator('[data-testid=job][data-state=failed]', { hasText: 'Damaged Film' });
    await damaged.waitFor({ timeout: 30_000 });
    const detail = page.getByTestId('job-detail');
    await damaged.click();
    await expect(detail.getByTestId('job-problems').textContent()).resolves.toBe(
      '1 bad file — nothing was uploaded360p/seg_00001.m4s empty — file is 0 bytes',
    );

    await dropFiles(page, ['Good Film.mp4', 'Second Film.mp4', 'Broken Film.mov']);

    const good = page.locator('[data-testid=job]', { hasText: 'Good Film' });
    const bad = page.locator('[data-testid=job]', { hasText: 'Broken Film' });
    await bad.locator('[data-state=failed], [data-testid=job-error]').first().waitFor({ timeout: 30_000 });
    await expect(bad.getAttribute('data-state')).resolves.toBe('failed');
    // The row says the reason (its Stage column says where); the whole of it, what was kept and the fix on hover.
    await expect(bad.getByTestId('job-error').textContent()).resolves.toBe(
      'Not a media file ffprobe can read: Invalid data found when processing input',
    );
    await expect(bad.getByTestId('job-at').textContent()).resolves.toBe('Probe');
    await expect(bad.getByTestId('job-error').getAttribute('title')).resolves.toBe(
      'Probe failed: Not a media file ffprobe can read: Invalid data found when processing input\nNothing was made or sent; the master is untouched.\nWhat fixes it: The master itself is the problem: fix or re-export it at its source, then choose the new file.',
    );
    await expect(bad.getByTestId('fix-action').textContent()).resolves.toBe('Replace master…');

    await page.locator('[data-testid=job][data-state=done]', { hasText: 'Good Film' }).waitFor({ timeout: 90_000 });
    await expect(good.getByTestId('job-stage').textContent()).resolves.toBe('Verified and delivered');
    // Every stage of the delivered title is done (no archive configured: that one is skipped).
    await expect(
      good
        .locator('[data-testid=stagebar] li')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-stage-state'))),
    ).resolves.toEqual(['done', 'done', 'done', 'done', 'done', 'done', 'done', 'skipped', 'done', 'done']);

    await page.locator('[data-testid=job][data-state=done]', { hasText: 'Second Film' }).waitFor({ timeout: 90_000 });
    await expect(page.locator('[data-testid=job]').count()).resolves.toBe(4);
    await expect(page.getByTestId('queue-counts').textContent()).resolves.toBe(
      '0 running · 0 waiting · 2 need attention · 2 delivered',
    );
    await expect(page.getByTestId('station-info').textContent()).resolves.toMatch(
      /^ffmpeg \S+ \(\S*ffmpeg\) · ffprobe \S+ \(\S*ffprobe\) · spec “Feature film \(default\)” · origin \//,
    );
    // The job detail shows MediaInfo and the spec's findings.
    await good.click();
    await expect(detail.locator('h2').textContent()).resolves.toBe('Good Film');
    await openDetailTab(page, 'Master');
    await expect(detail.getByTestId('media-info').textContent()).resolves.toMatch(
      /Video: h264 \([^)]+\) · 640×360 · 24\/1 fps · DAR 16:9 · yuv420p · 8-bit/,
    );
    await expect(detail.getByTestId('media-info').textContent()).resolves.toContain('Audio: aac · mono · 48000 Hz');
    await expect(detail.getByTestId('spec-findings').textContent()).resolves.toMatch(
      /warning Duration is 5 s, shorter than a feature/,
    );
    await openDetailTab(page, 'Ladder');
    await expect(detail.getByTestId('ladder').textContent()).resolves.toMatch(
      /Encoder libx264 — .*360p: 640×360 .*180p: 320×180/,
    );
    await openDetailTab(page, 'Delivery');
    await expect(detail.getByTestId('verified').textContent()).resolves.toMatch(
      /^Verified: \d+ segments decoded, \d+ files/,
    );
    await expect(detail.getByTestId('delivered').textContent()).resolves.toMatch(/^local: \d+ objects/);
    await expect(detail.getByTestId('report-path').textContent()).resolves.toMatch(/^Report: \/.*\/report\.json$/);

    // Audit: the title was proven whole after upload; a chunk then disappears from the origin.
    await openDetailTab(page, 'Audit');
    await expect(detail.getByTestId('audit-status').first().textContent()).resolves.toMatch(
      /^local: proven whole .* \(\d+ objects\)$/,
    );
    const goodJob = (await callApi(engine.url, 'listJobs')).find((j) => j.title === 'Good Film' && j.state === 'done')!;
    const version = goodJob.claim!.version;
    await openDetailTab(page, 'Overview');
    await expect(detail.getByTestId('title-id').textContent()).resolves.toBe('good-film');
    await openDetailTab(page, 'Audit');
    await rm(join(dir, 'origin', 'good-film', version, '180p', 'seg_00001.m4s'));
    await detail.getByRole('button', { name: 'Audit now' }).click();
    await detail.getByTestId('audit-problems').waitFor({ timeout: 15_000 });
    await expect(detail.getByTestId('audit-problems').textContent()).resolves.toBe(
      `good-film/${version}/180p/seg_00001.m4s missing — the manifest lists ${(await readFile(join(goodJob.packageDir!, '180p', 'seg_00001.m4s'))).length} bytes; the store has nothing`,
    );
    await screenshot(page, 'audit-problem.png');
    await detail.getByRole('button', { name: 'Repair' }).click();
    await detail.getByTestId('audit-problems').waitFor({ state: 'detached', timeout: 15_000 });
    await expect(detail.getByTestId('audit-status').first().textContent()).resolves.toMatch(/^local: proven whole/);
    await expect(readFile(join(dir, 'origin', 'good-film', version, '180p', 'seg_00001.m4s'))).resolves.toBeInstanceOf(
      Buffer,
    );
    const shot = await screenshot(page, 'queue.png');
    expect((await readFile(shot)).subarray(1, 4).toString()).toBe('PNG');

    // The UI saw it through the real engine: the package is in the folder destination.
    const master = await readFile(join(dir, 'origin', 'good-film', 'master.m3u8'), 'utf8');
    expect(master).toContain('#EXT-X-STREAM-INF');
    expect(consoleErrors).toEqual([]);
  });

  it('pause and resume a job from the keyboard', async () => {
    await dropFiles(page, ['Long Film.mp4']);
    const long = page.locator('[data-testid=job]', { hasText: 'Long Film' });
    await long.locator('[data-testid=job-stage]', { hasText: 'Encode' }).waitFor({ timeout: 60_000 });
    // Keyboard only: focus the queue, Home selects the first (running) title, P pauses it.
    await page.getByTestId('job-list').focus();
    await page.keyboard.press('Home');
    await expect(page.getByTestId('job-detail').locator('h2').textContent()).resolves.toBe('Long Film');
    await page.keyboard.press('ArrowDown');
    await expect(page.getByTestId('job-detail').locator('h2').textContent()).resolves.not.toBe('Long Film');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('p');
    await page.locator('[data-testid=job][data-state=paused]', { hasText: 'Long Film' }).waitFor({ timeout: 15_000 });
    await screenshot(page, 'paused.png');
    await long.getByRole('button', { name: 'Resume' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=job][data-state=done]', { hasText: 'Long Film' }).waitFor({ timeout: 120_000 });
    const rec = (await callApi(engine.url, 'listJobs')).find((j) => j.title === 'Long Film')!;
    expect(rec.stages.probe.state).toBe('done');
  });

  it("held titles take the platform's title ID; another master under it stops, naming both; Retry with Replace publishes it", async () => {
    await page.getByLabel('Hold new titles to set their title IDs first').check();
    await dropFiles(page, ['Tokyo Story.mp4']);
    const held = page.locator('[data-testid=job][data-state=paused]', { hasText: 'Tokyo Story' });
    await held.waitFor({ timeout: 15_000 });
    await held.click();
    await openDetailTab(page, 'Overview');
    const detail = page.getByTestId('job-detail');
    await detail.getByLabel('Platform title ID').fill('tt0046438');
    await detail.getByRole('button', { name: 'Set title ID' }).click();
    await detail
      .getByTestId('title-panel')
      .filter({ hasText: 'Will be delivered as tt0046438.' })
      .waitFor({ timeout: 10_000 });
    await held.getByRole('button', { name: 'Resume' }).click();
    await page.locator('[data-testid=job][data-state=done]', { hasText: 'Tokyo Story' }).waitFor({ timeout: 60_000 });
    await expect(detail.getByTestId('title-id').textContent()).resolves.toBe('tt0046438');

    // The restored master, under the same platform ID: a conflict, with both masters named.
    await dropFiles(page, ['Tokyo Story (restored).mp4']);
    const restored = page.locator('[data-testid=job]', { hasText: 'Tokyo Story (restored)' });
    await restored.waitFor({ timeout: 15_000 });
    await restored.click();
    await detail.getByLabel('Platform title ID').fill('tt0046438');
    await detail.getByRole('button', { name: 'Set title ID' }).click();
    await detail
      .getByTestId('title-panel')
      .filter({ hasText: 'Will be delivered as tt0046438.' })
      .waitFor({ timeout: 10_000 });
    await restored.getByRole('button', { name: 'Resume' }).click();
    await page
      .locator('[data-testid=job][data-state=failed]', { hasText: 'Tokyo Story (restored)' })
      .waitFor({ timeout: 30_000 });
    await expect(detail.getByTestId('detail-error').textContent()).resolves.toMatch(
      /Claim title failed: "tt0046438" at local is live with Tokyo Story\.mp4 .*; this title's master is Tokyo Story \(restored\)\.mp4/,
    );
    await screenshot(page, 'title-conflict.png');
    await detail.getByRole('button', { name: 'Retry with Replace' }).click();
    await page
      .locator('[data-testid=job][data-state=done]', { hasText: 'Tokyo Story (restored)' })
      .waitFor({ timeout: 60_000 });
    await expect(detail.getByTestId('title-panel').textContent()).resolves.toMatch(
      /Title ID tt0046438 · version v\S+local: replacing the live version \(v\S+ is retired after its grace period\)/,
    );
    await page.getByLabel('Hold new titles to set their title IDs first').uncheck();
  });

  it('shows a clear error when the dropped thing cannot be ingested', async () => {
    await dropFiles(page, ['does-not-exist.mov']);
    await expect(page.getByTestId('add-error').textContent()).resolves.toMatch(/Nothing to ingest.*does not exist/);
  });
});
