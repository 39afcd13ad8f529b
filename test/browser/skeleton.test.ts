/// <reference lib="dom" />
/**
 * The renderer in real Chromium (Debian's), through the loopback bridge, in front of the real
 * engine (real ffmpeg, folder destination): drop a generated master and a bad one, watch the good
 * one reach "done" and the bad one fail with its reason. Saves a screenshot under test-output/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stationConfigSchema } from '../../electron/common/config';
import { createHandlers } from '../../electron/engine/api-handlers';
import { openStation, type Station } from '../../electron/engine/station';
import { makeMaster } from '../helpers/masters';
import { seedJobAtVerify } from '../helpers/station';
import { startLoopbackServer, type LoopbackServer } from './loopback-server';

const ROOT = resolve(import.meta.dirname, '../..');
const BUILD = join(ROOT, 'out/renderer-test');
const SHOTS = join(ROOT, 'test-output/browser');

let dir: string;
let station: Station;
let server: LoopbackServer;
let context: BrowserContext;
let page: Page;

/** Simulate an OS drop of files named like those in dropRoot onto the drop zone. */
async function dropFiles(p: Page, names: string[]): Promise<void> {
  const dt = await p.evaluateHandle((ns) => {
    const d = new DataTransfer();
    for (const n of ns) d.items.add(new File(['x'], n));
    return d;
  }, names);
  const zone = p.getByTestId('dropzone');
  await zone.dispatchEvent('dragenter', { dataTransfer: dt });
  await zone.dispatchEvent('dragover', { dataTransfer: dt });
  await zone.dispatchEvent('drop', { dataTransfer: dt });
}

beforeAll(async () => {
  await stat(join(BUILD, 'index.html')).catch(() => {
    throw new Error('out/renderer-test is missing: run `npm run build:test-renderer` (npm test does it)');
  });
  dir = await mkdtemp(join(tmpdir(), 'ingest-browser-'));
  const drops = join(dir, 'drops');
  await mkdir(drops);
  await copyFile(await makeMaster({ seconds: 5 }), join(drops, 'Good Film.mp4'));
  await copyFile(await makeMaster({ seconds: 90 }), join(drops, 'Long Film.mp4'));
  await writeFile(join(drops, 'Broken Film.mov'), 'this is not a movie');
  const config = stationConfigSchema.parse({
    destinations: { local: { type: 'folder', path: join(dir, 'origin') } },
    origin: 'local',
    workDir: join(dir, 'work'),
    segmentSeconds: 2,
    profile: 'preview',
  });
  // A title whose package was damaged before verify (as a crash could leave it): the UI must list
  // the bad segment and show that nothing was uploaded.
  const seedJob = await openStation({ config, baseDir: dir });
  const [seedDone] = await seedJob.queue.add([join(drops, 'Good Film.mp4')]);
  const seeded = await seedJob.queue.waitFor(seedDone!.id);
  await seedJob.close();
  await rm(join(dir, 'work', 'jobs.jsonl'));
  await seedJobAtVerify({
    workDir: join(dir, 'work'), id: 'jdamaged', title: 'Damaged Film', sourcePath: join(drops, 'Good Film.mp4'), packageDir: seeded.packageDir!,
    damage: (p) => writeFile(join(p, '360p', 'seg_00001.m4s'), ''),
  });
  await rm(join(dir, 'origin'), { recursive: true, force: true });
  station = await openStation({ config, baseDir: dir });
  const handlers = createHandlers({ station, pickFiles: async () => [join(drops, 'Good Film.mp4')] });
  server = await startLoopbackServer({ station, handlers, staticDir: BUILD, indexPath: join(BUILD, 'index.html'), dropRoot: drops });
  context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1100, height: 700 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] ?? (await context.newPage());
});

afterAll(async () => {
  await context?.close();
  await server?.close();
  await station?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('operator UI in Chromium', () => {
  it('drops a good and a bad master: one done, one rejected with its reason', async () => {
    const consoleErrors: string[] = [];
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    await page.goto(server.url);
    const damaged = page.locator('[data-testid=job][data-state=failed]', { hasText: 'Damaged Film' });
    await damaged.waitFor({ timeout: 30_000 });
    await expect(damaged.getByTestId('job-problems').textContent()).resolves.toBe(
      '1 bad file — nothing was uploaded360p/seg_00001.m4s empty — file is 0 bytes',
    );

    await dropFiles(page, ['Good Film.mp4', 'Broken Film.mov']);

    const good = page.locator('[data-testid=job]', { hasText: 'Good Film' });
    const bad = page.locator('[data-testid=job]', { hasText: 'Broken Film' });
    await bad.locator('[data-state=failed], [data-testid=job-error]').first().waitFor({ timeout: 30_000 });
    await expect(bad.getAttribute('data-state')).resolves.toBe('failed');
    await expect(bad.getByTestId('job-error').textContent()).resolves.toBe('Probe failed: Not a media file ffprobe can read: Invalid data found when processing input');

    await page.locator('[data-testid=job][data-state=done]', { hasText: 'Good Film' }).waitFor({ timeout: 90_000 });
    await expect(good.getByTestId('job-stage').textContent()).resolves.toBe('Verified and delivered');
    await expect(good.locator('progress').evaluate((el) => (el as HTMLProgressElement).value)).resolves.toBe(1);

    await expect(page.locator('[data-testid=job]').count()).resolves.toBe(3);
    await expect(page.getByTestId('station-info').textContent()).resolves.toMatch(/^ffmpeg \S+ \(\S*ffmpeg\) · ffprobe \S+ \(\S*ffprobe\) · spec “Feature film \(default\)” · origin \//);
    // The job detail shows MediaInfo and the spec's findings.
    await expect(good.getByTestId('media-info').textContent()).resolves.toMatch(/Video: h264 \([^)]+\) · 640×360 · 24\/1 fps · DAR 16:9 · yuv420p · 8-bit/);
    await expect(good.getByTestId('media-info').textContent()).resolves.toContain('Audio: aac · mono · 48000 Hz');
    await expect(good.getByTestId('spec-findings').textContent()).resolves.toMatch(/warning Duration is 5 s, shorter than a feature/);

    // Audit: the title was proven whole after upload; a chunk then disappears from the origin.
    await expect(good.getByTestId('audit-status').first().textContent()).resolves.toMatch(/^local: proven whole .* \(\d+ objects\)$/);
    await rm(join(dir, 'origin', 'good-film', '180p', 'seg_00001.m4s'));
    await good.getByRole('button', { name: 'Audit now' }).click();
    await good.getByTestId('audit-problems').waitFor({ timeout: 15_000 });
    await expect(good.getByTestId('audit-problems').textContent()).resolves.toMatch(/^good-film\/180p\/seg_00001\.m4s missing — the manifest lists \d+ bytes; the store has nothing$/);
    await mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'audit-problem.png'), fullPage: true });
    await good.getByRole('button', { name: 'Repair' }).click();
    await good.getByTestId('audit-problems').waitFor({ state: 'detached', timeout: 15_000 });
    await expect(good.getByTestId('audit-status').first().textContent()).resolves.toMatch(/^local: proven whole/);
    await expect(readFile(join(dir, 'origin', 'good-film', '180p', 'seg_00001.m4s'))).resolves.toBeInstanceOf(Buffer);
    await mkdir(SHOTS, { recursive: true });
    const shot = join(SHOTS, 'skeleton-done.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect((await readFile(shot)).subarray(1, 4).toString()).toBe('PNG');

    // The UI saw it through the real engine: the package is in the folder destination.
    const master = await readFile(join(dir, 'origin', 'good-film', 'master.m3u8'), 'utf8');
    expect(master).toContain('#EXT-X-STREAM-INF');
    expect(consoleErrors).toEqual([]);
  });

  it('pause and resume a job from the keyboard-reachable buttons', async () => {
    await dropFiles(page, ['Long Film.mp4']);
    const long = page.locator('[data-testid=job]', { hasText: 'Long Film' });
    await long.locator('[data-testid=job-stage]', { hasText: 'Transcode' }).waitFor({ timeout: 60_000 });
    await long.getByRole('button', { name: 'Pause' }).click();
    await page.locator('[data-testid=job][data-state=paused]', { hasText: 'Long Film' }).waitFor({ timeout: 15_000 });
    await mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'paused.png'), fullPage: true });
    await long.getByRole('button', { name: 'Resume' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=job][data-state=done]', { hasText: 'Long Film' }).waitFor({ timeout: 120_000 });
    const rec = station.queue.list().find((j) => j.title === 'Long Film')!;
    expect(rec.stages.probe.state).toBe('done');
  });

  it('shows a clear error when the dropped thing cannot be ingested', async () => {
    await dropFiles(page, ['does-not-exist.mov']);
    await expect(page.getByTestId('add-error').textContent()).resolves.toMatch(/Nothing to ingest.*does not exist/);
  });
});
