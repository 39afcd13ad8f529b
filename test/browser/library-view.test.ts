/**
 * The library view in Chromium against the real engine (folder origin, real ffmpeg): a delivered
 * title loses a chunk at the origin; "Audit the library now" finds it; the title's row names the
 * problem and its chunk map marks exactly that cell; the job detail draws the same map. Every
 * screen passes axe-core (no serious or critical violation) and is photographed light and dark.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makeMaster } from '../helpers/masters';
import { tempDir } from '../helpers/station';
import {
  assertTestBuild,
  callApi,
  dropFiles,
  engineOptions,
  launchChromium,
  openDetailTab,
  screenshot,
  axeViolations,
} from './browser-harness';
import { startEngineProcess, type EngineProcess } from './engine-harness';

let dir: string;
let engine: EngineProcess;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  await assertTestBuild();
  dir = await tempDir('ingest-library-view-');
  await mkdir(join(dir, 'drops'));
  await copyFile(await makeMaster({ seconds: 6 }), join(dir, 'drops', 'Library Film.mp4'));
  engine = await startEngineProcess(engineOptions(dir));
  // The built-in origin (a folder under Documents), saved as the first-run setup would: the station takes masters once an origin is chosen.
  await callApi(engine.url, 'saveSettings', {
    config: (await callApi(engine.url, 'getSettings')).config,
    credentials: {},
  });
  ({ context, page } = await launchChromium(join(dir, 'profile')));
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(engine.url);
});
afterAll(async () => {
  await context?.close();
  await engine?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function shots(name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    expect(await axeViolations(page), `${name} (${scheme})`).toEqual([]);
    await screenshot(page, `${name}-${scheme}.png`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

describe('the library view', () => {
  it('a chunk lost at the origin: the library audit finds it, the row names it, the chunk map marks that cell', async () => {
    await dropFiles(page, ['Library Film.mp4']);
    const row = page.locator('[data-testid=job]', { hasText: 'Library Film' });
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
    await shots('queue');
    const [job] = await callApi(engine.url, 'listJobs');
    const { titleId, version } = job!.claim!;
    // The job detail draws its chunk map: every chunk proven by the audit after upload.
    await row.click();
    await openDetailTab(page, 'Audit');
    const jobMap = page.getByTestId('job-detail').getByTestId('chunk-map');
    await expect
      .poll(async () => JSON.parse((await jobMap.getAttribute('data-counts')) ?? '{}') as Record<string, number>)
      .toMatchObject({ problem: 0, verified: 0 });
    const counts = JSON.parse((await jobMap.getAttribute('data-counts'))!) as Record<string, number>;
    expect(counts.proven).toBeGreaterThanOrEqual(3);
    // What the upload carried: the title's graph, and the average and peak its report records.
    await openDetailTab(page, 'Delivery');
    await expect
      .poll(() => page.getByTestId('transfer-stats').textContent())
      .toMatch(/^.+: [\d.]+ [kKMG]?B in .+ · average [\d.]+ [kKMG]?B\/s · peak [\d.]+ [kKMG]?B\/s/);
    expect(await page.getByTestId('title-throughput').getByTestId('throughput-summary').textContent()).toMatch(
      /^This title: .+\/s now · average .+\/s · peak .+\/s$/,
    );
    expect(await page.getByTestId('station-info').getByTestId('throughput-summary').textContent()).toMatch(
      /^Station: .*(requests in flight|nothing sent)/,
    );
    await shots('delivery');

    // A chunk vanishes from the origin (a folder here: the app's default output).
    const origin = join(dir, 'documents', 'Ingest Station', 'Output', titleId, version);
    const manifest = JSON.parse(await readFile(join(origin, 'manifest.json'), 'utf8')) as {
      files: Array<{ path: string; kind: string }>;
    };
    const lost = manifest.files.filter((f) => f.kind === 'segment')[1]!.path;
    const rung = lost.slice(0, lost.lastIndexOf('/'));
    const segment = lost.slice(lost.lastIndexOf('/') + 1);
    await rm(join(origin, lost));

    await page.getByRole('button', { name: 'Library', exact: true }).click();
    await expect.poll(() => page.getByTestId('library-run').textContent()).toMatch(/not been audited yet/);
    await page.getByLabel(/Repair what is wrong/).uncheck();
    await page.getByRole('button', { name: 'Audit the library now' }).click();
    const title = page.getByTestId('library-title').filter({ hasText: titleId });
    await expect
      .poll(() => title.getByTestId('library-problems').textContent(), { timeout: 30_000 })
      .toBe(`1: missing ${rung}/${segment}`);
    await expect
      .poll(() => page.getByTestId('library-run').textContent())
      .toMatch(/1 of 1 titles audited .* 1 with problems · \d+ requests/);
    await title.getByRole('button', { name: titleId }).click();
    const map = page.getByTestId('library').getByTestId('chunk-map');
    await expect
      .poll(async () => JSON.parse((await map.getAttribute('data-counts')) ?? '{}') as Record<string, number>)
      .toMatchObject({ problem: 1, proven: counts.proven! - 1 });
    await expect
      .poll(() => map.getByTestId('chunk-map-problems').textContent())
      .toMatch(new RegExp(`${rung}/${segment} problem — missing`));
    expect(await map.getByRole('img').getAttribute('aria-label')).toMatch(
      new RegExp(`${counts.proven} chunks — ${counts.proven! - 1} proven, 1 problem`),
    );
    await shots('library');

    await page.getByRole('button', { name: 'Settings' }).click();
    await shots('settings');
    expect(pageErrors).toEqual([]);
  }, 240_000);
});
