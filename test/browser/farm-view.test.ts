/**
 * The desktop watching a farm (Settings → Farm: a real Redis) while a headless worker (the built
 * CLI, its own process) runs the titles: the Farm view lists every title with the worker holding
 * it and where it stands, a paused title waits until the operator presses Resume in the view,
 * then runs. axe-core finds no serious or critical violation; light and dark are photographed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stationConfigSchema } from '../../electron/common/config';
import { FarmQueue } from '../../electron/engine/farm/farm-queue';
import { makeMaster } from '../helpers/masters';
import { tempDir } from '../helpers/station';
import { BIN, CLI_ENV } from '../helpers/cli';
import { FARM_SETTINGS, startRedis, type TestRedis } from '../helpers/redis';
import { assertTestBuild, callApi, engineOptions, launchChromium, screenshot, axeViolations } from './browser-harness';
import { startEngineProcess, type EngineProcess } from './engine-harness';

const PASSWORD = 'farm-secret-4821';
let dir: string;
let desktop: ReturnType<typeof stationConfigSchema.parse>;
let redis: TestRedis;
let worker: ChildProcess;
let engine: EngineProcess;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  await assertTestBuild();
  dir = await tempDir('ingest-farm-view-');
  // A farm Redis with a password, as a studio runs it.
  redis = await startRedis(join(dir, 'redis'), [...FARM_SETTINGS, '--requirepass', PASSWORD]);
  const opts = engineOptions(dir);
  await mkdir(opts.userDataDir, { recursive: true });
  desktop = stationConfigSchema.parse({
    destinations: { output: { type: 'folder', path: join(dir, 'desktop-out') } },
    origin: 'output',
    farm: { url: redis.url },
  });
  await writeFile(join(opts.userDataDir, 'settings.json'), JSON.stringify(desktop));
  engine = await startEngineProcess(opts);
  const workerConfig = join(dir, 'worker.json');
  await writeFile(
    workerConfig,
    JSON.stringify({
      destinations: { origin: { type: 'folder', path: join(dir, 'farm-out') } },
      origin: 'origin',
      workDir: join(dir, 'farm-work'),
      profile: 'preview',
      segmentSeconds: 2,
      activeJobs: 1,
    }),
  );
  // The worker takes the password from its environment, never from its command line.
  // …and reads masters only from the farm's folder of them.
  await mkdir(join(dir, 'masters'));
  worker = spawn(
    process.execPath,
    [BIN, 'worker', '--config', workerConfig, '--name', 'render-node-1', '--allow', join(dir, 'masters')],
    { env: { ...CLI_ENV, INGEST_FARM_URL: withPassword(redis.url) }, stdio: 'ignore' },
  );
  ({ context, page } = await launchChromium(join(dir, 'profile')));
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(engine.url);
});
afterAll(async () => {
  await context?.close();
  await engine?.stop();
  worker?.kill('SIGKILL');
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function withPassword(url: string): string {
  const u = new URL(url);
  u.password = PASSWORD;
  return u.toString();
}

describe('the farm view', () => {
  it("every worker's titles, where they stand, and Resume from the desktop", async () => {
    const masters = join(dir, 'masters');
    await copyFile(await makeMaster({ seconds: 6 }), join(masters, 'Farm One.mp4'));
    await copyFile(await makeMaster({ seconds: 7 }), join(masters, 'Farm Two.mp4'));
    const farm = await FarmQueue.open({ url: withPassword(redis.url) });
    await farm.submit([{ id: 'farm-one', masterPath: join(masters, 'Farm One.mp4'), title: 'Farm One' }], 'desk', 10);
    await farm.submit([{ id: 'farm-two', masterPath: join(masters, 'Farm Two.mp4'), title: 'Farm Two' }], 'desk', 200);
    await farm.pause('farm-two');

    await page.getByRole('button', { name: 'Farm', exact: true }).click();
    // Without the password the view says why it cannot see the farm.
    await expect
      .poll(() => page.getByTestId('farm-error').textContent())
      .toMatch(/The farm could not be reached: .*(NOAUTH|WRONGPASS|auth)/i);
    // The password through Settings (sealed like credentials): the engine restarts and connects.
    await callApi(engine.url, 'saveSettings', { config: desktop, credentials: {}, farmPassword: PASSWORD });
    expect((await callApi(engine.url, 'getSettings')).farmPasswordStored).toBe(true);
    const one = page.getByTestId('farm-title').filter({ hasText: 'Farm One' });
    const two = page.getByTestId('farm-title').filter({ hasText: 'Farm Two' });
    await expect.poll(() => one.getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
    expect(await one.getByTestId('farm-worker').textContent()).toBe('render-node-1');
    expect(await one.textContent()).toMatch(/delivered as farm-one/);
    await expect.poll(() => two.getAttribute('data-state')).toBe('paused');
    expect(await page.getByTestId('farm-summary').textContent()).toMatch(
      new RegExp(`^redis://:\\*\\*\\*@127\\.0\\.0\\.1:${redis.port}/? · 2 titles`),
    );
    expect(await page.content()).not.toContain(PASSWORD);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(await axeViolations(page), scheme).toEqual([]);
      await screenshot(page, `farm-${scheme}.png`);
    }
    await page.emulateMedia({ colorScheme: 'light' });

    await page.getByRole('button', { name: 'Resume Farm Two' }).click();
    await expect.poll(() => two.getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
    expect(await two.getByTestId('farm-worker').textContent()).toBe('render-node-1');
    await farm.close();
    expect(pageErrors).toEqual([]);
  }, 240_000);
});
