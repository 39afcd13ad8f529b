/// <reference lib="dom" />
/**
 * The operator's window at library scale, in Chromium against the real engine: a day of 300 titles
 * in the queue and 25,000 in the library, seeded through the engine's own stores (the queue's
 * journal, the library audit's log) — nothing transcoded. The queue table filters, sorts, groups,
 * selects many and acts on them (the engine's batch operation, a title sheet); a failure says its
 * whole reason, what was kept and offers the one action that fixes it; the header stays on one line
 * down to 1024 px; the library is read a page at a time (no answer carries more than a page) with
 * its filters, search and sort; a 10,000-chunk title's map is drawn. Every screen passes axe-core and
 * is photographed at 1280×720 and 1920×1080, light and dark.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stationConfigSchema } from '../../electron/common/config';
import { versionKey } from '../../electron/common/title';
import { dayOfTitles, libraryOf, manifestOf, seedLibrary, seedQueue } from '../helpers/seed';
import { tempDir } from '../helpers/station';
import { callApi, openWindow, shotsAtEverySize, type AppWindow } from './browser-harness';

let dir: string;
let app: AppWindow;
let page: Page;
const DAY = dayOfTitles(300, { waiting: 'paused' });
const LIBRARY = libraryOf(25_000);
const failed = DAY.filter((j) => j.state === 'failed');
// The engine filters and sorts 25,000 titles per query: more than expect.poll's default second on a loaded machine.
const SLOW = { timeout: 15_000 };

beforeAll(async () => {
  dir = await tempDir('ingest-window-');
  const work = join(dir, 'work');
  const origin = join(dir, 'origin');
  await mkdir(join(dir, 'app'), { recursive: true });
  await writeFile(
    join(dir, 'app', 'settings.json'),
    JSON.stringify(
      stationConfigSchema.parse({
        destinations: { origin: { type: 'folder', path: origin } },
        origin: 'origin',
        workDir: work,
      }),
    ),
  );
  await seedQueue(work, DAY);
  await seedLibrary(work, LIBRARY);
  // The long title's manifest at the origin: its chunk map is drawn from it.
  const long = LIBRARY.titles[0]!;
  const manifestPath = join(origin, versionKey(long.titleId, long.version!, 'manifest.json'));
  await mkdir(join(manifestPath, '..'), { recursive: true });
  await writeFile(manifestPath, JSON.stringify(manifestOf(long)));
  app = await openWindow(dir);
  page = app.page;
});

afterAll(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const rows = () => page.locator('[data-testid=job]');
const shown = () => page.getByTestId('queue-shown').textContent();

describe("the operator's window at library scale", () => {
  it('a day of 300 titles: dense, virtualised, filtered, sorted, grouped; the header on one line down to 1024 px', async () => {
    await rows().first().waitFor();
    expect(await shown()).toBe('300 titles');
    await expect(page.getByTestId('queue-counts').textContent()).resolves.toBe(
      `0 running · ${DAY.filter((j) => j.state === 'paused').length} waiting · ${failed.length} need attention · ${DAY.filter((j) => j.state === 'done').length} delivered`,
    );
    // At 1280×720 a screenful of titles, and only about that many rows exist.
    const inDom = await rows().count();
    expect(inDom).toBeGreaterThanOrEqual(14);
    expect(inDom).toBeLessThan(50);
    await shotsAtEverySize(page, 'queue-300');

    for (const width of [1024, 1280]) {
      await page.setViewportSize({ width, height: 720 });
      const header = await page.locator('.app__header').evaluate((h) => ({
        height: h.getBoundingClientRect().height,
        overflows: h.scrollWidth > h.clientWidth,
        buttons: Array.from(h.querySelectorAll('button')).map((b) => ({
          text: b.textContent,
          h: b.getBoundingClientRect().height,
        })),
      }));
      expect(header.overflows, `header at ${width} px`).toBe(false);
      expect(header.height, `header at ${width} px`).toBeLessThan(44);
      // No button's label wraps onto a second line.
      for (const b of header.buttons) expect(b.h, `"${b.text}" at ${width} px`).toBeLessThan(34);
    }

    // Filter by state: the titles needing attention, and only they.
    await page.getByLabel('Filter by state').selectOption('attention');
    expect(await shown()).toBe(`${failed.length} of 300 titles`);
    expect(new Set(await rows().evaluateAll((els) => els.map((e) => e.getAttribute('data-state'))))).toEqual(
      new Set(['failed']),
    );
    // By text (a title, a folder, a title ID, a reason): the failures at the origin's door.
    await page.getByLabel('Search titles').fill('AccessDenied');
    const denied = failed.filter((j) => j.error?.code === 's3-AccessDenied');
    expect(await shown()).toBe(`${denied.length} of 300 titles`);
    await page.getByLabel('Search titles').fill('');
    await page.getByLabel('Filter by state').selectOption('all');
    // By stage: the titles stopped at their claim.
    await page.getByLabel('Filter by stage').selectOption('claim');
    expect(await shown()).toBe(`${DAY.filter((j) => j.state !== 'done' && j.stage === 'claim').length} of 300 titles`);
    await page.getByLabel('Filter by stage').selectOption('all');

    // Sorted by size, largest first (a second click reverses).
    const size = page.getByRole('columnheader', { name: 'Size' });
    await size.getByRole('button').click();
    await size.getByRole('button').click();
    await expect(size.getAttribute('aria-sort')).resolves.toBe('descending');
    const sorted = DAY.map((j) => Number(j.fingerprint!.split(':')[0])).sort((a, b) => b - a);
    const firstTitle = await rows().first().getAttribute('data-job-id');
    expect(Number(DAY.find((j) => j.id === firstTitle)!.fingerprint!.split(':')[0])).toBe(sorted[0]);

    // Grouped by the supplier's folder: a heading per delivery folder, each collapsible.
    await page.getByLabel('Group by').selectOption('folder');
    const groups = page.getByTestId('queue-group');
    await expect(groups.first().textContent()).resolves.toMatch(/^▾ \/Volumes\/Masters\/.+\d+ titlesSelect these$/);
    await groups
      .first()
      .getByRole('button', { name: /Volumes/ })
      .click();
    await expect(
      groups
        .first()
        .getByRole('button', { name: /Volumes/ })
        .getAttribute('aria-expanded'),
    ).resolves.toBe('false');
    await shotsAtEverySize(page, 'queue-grouped');
    await page.getByLabel('Group by').selectOption('none');
    await size.getByRole('button').click(); // back to the size order's other end is fine; then queue order
    await page.getByRole('columnheader', { name: 'State' }).getByRole('button').click();
  });

  it('a failure says its reason, what was kept and its one fix; the fixes lead where they should', async () => {
    await page.getByLabel('Filter by state').selectOption('attention');
    const conflict = rows().filter({ hasText: 'tt0046438' }).first();
    const error = conflict.getByTestId('job-error');
    // The row says the reason (its Stage column says where); the hover adds the stage, what was kept and the fix.
    await expect(error.textContent()).resolves.toMatch(/^"tt0046438" at origin is live with/);
    const hover = (await error.getAttribute('title'))!;
    expect(hover).toMatch(
      /^Claim title failed: "tt0046438" at origin is live with .*this title's master is Tokyo Story \(restored\)\.mov\nNothing was encoded or sent yet.*\nWhat fixes it: The title ID belongs to another master/,
    );
    const byCode = async (code: string): Promise<string> => {
      const job = failed.find((j) => j.error?.code === code)!;
      return (await page.locator(`[data-job-id=${job.id}]`).getByTestId('fix-action').textContent())!;
    };
    expect(await byCode('not-media')).toBe('Replace master…');
    expect(await byCode('title-conflict')).toBe('Set title ID');
    expect(await byCode('s3-AccessDenied')).toBe('Check destination');
    expect(await byCode('ffmpeg-failed')).toBe('Retry');
    // "Set title ID" opens the title's Overview with its ID field focused.
    await conflict.getByTestId('fix-action').click();
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.closest('label')?.textContent))
      .toBe('Platform title ID');
    await expect(page.getByTestId('detail-error').textContent()).resolves.toMatch(
      /Nothing was encoded or sent yet; the probe’s findings are kept\.What fixes it: The title ID belongs to another master/,
    );
    // "Check destination" opens Settings.
    const denied = failed.find((j) => j.error?.code === 's3-AccessDenied')!;
    await page.locator(`[data-job-id=${denied.id}]`).getByTestId('fix-action').click();
    await page.getByTestId('settings').waitFor();
    await page.getByRole('button', { name: 'Back to the queue' }).click();
    await page.getByLabel('Filter by state').selectOption('attention');
    await shotsAtEverySize(page, 'queue-failures');
  });

  it('many at once: select, resume, cancel (asked twice), title IDs from a sheet — through the engine', async () => {
    await page.getByLabel('Filter by state').selectOption('waiting');
    await page.getByTestId('job-list').focus();
    await page.keyboard.press('Escape');
    const held = DAY.filter((j) => j.stages.probe.detail?.startsWith('held'));
    // A sheet for three held titles, by their masters' file names (as --titles reads it).
    const three = held.slice(0, 3);
    for (const j of three) await page.locator(`[data-job-id=${j.id}] input[type=checkbox]`).check();
    await expect(page.getByTestId('selection-count').textContent()).resolves.toBe('3 selected');
    const sheet = [
      'file,title_id',
      ...three.map((j, k) => `"${j.sourcePath.split('/').pop()}",tt90000${k}`),
      'Nobody.mov,tt1',
    ].join('\n');
    await page
      .getByTestId('title-sheet-input')
      .setInputFiles({ name: 'titles.csv', mimeType: 'text/csv', buffer: Buffer.from(sheet) });
    await expect
      .poll(() => page.getByTestId('notice').textContent())
      .toMatch(/^Title IDs set for 3 titles\. Rows matching none of the selected titles: Nobody\.mov\./);
    const after = await callApi(app.engine.url, 'listJobs');
    expect(three.map((j) => after.find((x) => x.id === j.id)!.titleRequest?.titleId)).toEqual([
      'tt900000',
      'tt900001',
      'tt900002',
    ]);
    // The row shows it at the window's next refresh of the list (polled), not at once.
    await expect.poll(() => page.locator(`[data-job-id=${three[0]!.id}] .qrow__id`).textContent()).toBe('tt900000');

    // Cancel the three: asked twice (it cannot be undone), then done by the engine.
    await page.getByRole('button', { name: 'Cancel…' }).click();
    await page.getByRole('button', { name: 'Confirm: cancel 3' }).click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toBe('Cancelled 3 titles.✕');
    await expect
      .poll(
        async () =>
          (await callApi(app.engine.url, 'listJobs')).filter(
            (j) => three.some((t) => t.id === j.id) && j.state === 'cancelled',
          ).length,
      )
      .toBe(3);

    // Select everything shown (the rest waiting) and press Retry: each one that is not failed is named.
    // (Once the window's list has refreshed: the cancelled three leave the waiting filter.)
    for (const t of three) await expect.poll(() => page.locator(`[data-job-id=${t.id}]`).count()).toBe(0);
    await page.getByRole('button', { name: 'Select all shown' }).click();
    const waiting = DAY.filter((j) => j.state === 'paused').length - 3;
    await expect(page.getByTestId('selection-count').textContent()).resolves.toBe(`${waiting} selected`);
    await page.getByRole('button', { name: 'Retry failed' }).click();
    await expect
      .poll(() => page.getByTestId('notice').textContent())
      .toMatch(
        new RegExp(`^Retrying 0 titles\\. ${waiting} could not — .+: paused: only failed titles can be retried;`),
      );
    // Keyboard: Escape clears, Space selects the current title, Shift+↓ extends.
    await page.getByTestId('job-list').focus();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+ArrowDown');
    await page.keyboard.press('Shift+ArrowDown');
    await expect(page.getByTestId('selection-count').textContent()).resolves.toBe('3 selected');
    await shotsAtEverySize(page, 'queue-selection');
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByLabel('Filter by state').selectOption('all');
  });

  it('the library at 25,000 titles: a page at a time from the engine; filters, search, sort; a 10,000-chunk map', async () => {
    const answers: number[] = [];
    page.on('response', (r) => {
      if (r.url().endsWith('/api/library:view'))
        void r.json().then((b: { result: { titles: unknown[] } }) => answers.push(b.result.titles.length));
    });
    await page.getByRole('button', { name: 'Library', exact: true }).click();
    const lshown = () => page.getByTestId('library-shown').textContent();
    await expect.poll(lshown, SLOW).toBe('25,000 of 25,000 titles');
    const lrows = page.getByTestId('library-title');
    await lrows.first().waitFor();
    expect(await lrows.count()).toBeLessThan(60);
    // Problems first (the default order): the first row has one.
    await expect(lrows.first().getByTestId('library-problems').textContent()).resolves.not.toBe('none');
    await shotsAtEverySize(page, 'library-25000');

    // Scrolled to the end: the last page is asked for, and no answer ever carried more than a page.
    await page.getByTestId('library-titles').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect.poll(() => lrows.last().getAttribute('data-testid')).toBe('library-title');
    await expect.poll(() => page.locator('.lrow--loading').count(), SLOW).toBe(0);
    expect(Math.max(...answers)).toBeLessThanOrEqual(200);
    expect(answers.length).toBeLessThan(12);

    const count = (f: (t: (typeof LIBRARY.titles)[number]) => boolean): string =>
      LIBRARY.titles.filter(f).length.toLocaleString('en-US');
    await page.getByTestId('library-filter-problems').click();
    await expect.poll(lshown, SLOW).toBe(`${count((t) => t.problems.length > 0)} of 25,000 titles`);
    await page.getByTestId('library-filter-restore').click();
    await expect.poll(lshown, SLOW).toBe(`${count((t) => !!t.restore)} of 25,000 titles`);
    await expect(lrows.first().getByTestId('library-problems').textContent()).resolves.toMatch(
      /waiting for the archive \(Standard restore/,
    );
    await page.getByTestId('library-filter-never-proven').click();
    await expect.poll(lshown, SLOW).toBe(`${count((t) => !t.lastProvenWhole)} of 25,000 titles`);
    await page.getByTestId('library-filter-all').click();
    // Search by title ID, sorted by last proven (never proven first).
    await page.getByLabel('Search by title ID').fill('tt01000');
    await expect.poll(lshown, SLOW).toBe(`${count((t) => t.titleId.includes('tt01000'))} of 25,000 titles`);
    await page.getByLabel('Search by title ID').fill('');
    await page.getByLabel('Sort by').selectOption('lastProven');
    await expect.poll(() => lrows.first().locator('.lcell--proven').textContent(), SLOW).toBe('never');

    // The long title's chunk map: 10,000 chunks, its three problems named.
    await page.getByLabel('Search by title ID').fill('tt0100000');
    await expect.poll(lshown, SLOW).toBe('1 of 25,000 titles');
    await lrows.first().getByRole('button', { name: 'tt0100000' }).click();
    const map = page.getByTestId('library').getByTestId('chunk-map');
    // 10,000 chunks read from the origin's manifest and mapped: seconds on a loaded machine.
    await expect
      .poll(() => map.getAttribute('data-counts'), { timeout: 30_000 })
      .toBe(JSON.stringify({ verified: 0, origin: 0, proven: 9997, problem: 3, repaired: 0 }));
    await expect(map.getByTestId('chunk-map-problems').locator('li').count()).resolves.toBe(3);
    // Readable: its cells wrap at the panel's width (no canvas wider than the panel).
    const canvas = await map
      .getByRole('img')
      .evaluate((c) => ({ w: c.getBoundingClientRect().width, panel: c.closest('aside')!.clientWidth }));
    expect(canvas.w).toBeLessThanOrEqual(canvas.panel);
    await shotsAtEverySize(page, 'library-chunk-map');
    expect(app.pageErrors).toEqual([]);
  });
});
