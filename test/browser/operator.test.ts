/// <reference lib="dom" />
/**
 * The operator's day in real Chromium, against the real engine in its own process and a real
 * radosgw: configure destinations in Settings (test connection, credentials never shown again),
 * QC-play every rung of a delivered title from the local package and from the origin, cancel a
 * title mid-upload (no multipart upload left), and kill -9 the engine mid-upload: the UI says the
 * engine is gone, reconnects when it is back and shows the upload resuming from its stored parts.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { HeadObjectCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { copyFile, mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3DestinationConfig } from '../../electron/common/config';
import { makeMaster } from '../helpers/masters';
import { freshBucket, TEST_CREDENTIALS } from '../helpers/s3';
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
import { PartJournal } from '../../electron/engine/transfer/part-journal';
import { startEngineProcess, type EngineProcess } from './engine-harness';
import type { EngineProcessOptions } from './engine-process';

let dir: string;
let opts: EngineProcessOptions;
let engine: EngineProcess;
let context: BrowserContext;
let page: Page;
let origin: { cfg: S3DestinationConfig; client: S3Client };
let archive: { cfg: S3DestinationConfig; client: S3Client };
const consoleErrors: string[] = [];

const row = (title: string): Locator => page.locator('[data-testid=job]', { hasText: title });
const detail = (): Locator => page.getByTestId('job-detail');

beforeAll(async () => {
  await assertTestBuild();
  dir = await tempDir('ingest-operator-');
  const drops = join(dir, 'drops');
  await mkdir(drops);
  // ProRes masters are big for their length (≈1.3 MB/s at 360p): with 5 MiB parts and a 2 MB/s
  // bandwidth limit their archive upload takes long enough to cancel or crash in the middle.
  await copyFile(await makeMaster({ seconds: 12, codec: 'prores' }), join(drops, 'Cancel Film.mov'));
  await copyFile(await makeMaster({ seconds: 16, codec: 'prores' }), join(drops, 'Crash Film.mov'));
  await copyFile(await makeMaster({ seconds: 5 }), join(drops, 'QC Film.mp4'));
  origin = await freshBucket(inject('s3Endpoint'));
  archive = await freshBucket(inject('s3Endpoint'));
  opts = engineOptions(dir);
  engine = await startEngineProcess(opts);
  ({ context, page } = await launchChromium(join(dir, 'profile')));
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await page.goto(engine.url);
});

afterAll(async () => {
  await context?.close();
  await engine?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Wait until the row shows its archive upload with at least `mb` MB acknowledged by the store. */
async function waitForArchiveMB(r: Locator, mb: number, timeout: number): Promise<void> {
  await expect
    .poll(
      async () => {
        // The archive's own line: it runs beside the encode, verify and the origin upload.
        const line = r.locator('[data-testid=job-progress][data-stage=uploadArchive]');
        const meta = (await line.getByTestId('job-meta').allTextContents())[0] ?? '';
        const m = / ([\d.]+) MB of [\d.]+ MB acknowledged/.exec(meta);
        return m ? Number(m[1]) : -1;
      },
      { timeout, interval: 100 },
    )
    .toBeGreaterThanOrEqual(mb);
}

async function fillDestination(
  name: string,
  cfg: S3DestinationConfig,
  secret: string,
  storageClass?: string,
): Promise<Locator> {
  const fs = page.getByTestId(`destination-${name}`);
  if (!(await fs.count())) {
    await page.getByLabel('New destination name').fill(name);
    await page.getByRole('button', { name: 'Add destination' }).click();
  }
  await fs.getByLabel('Preset').selectOption('generic');
  await fs.getByLabel('Endpoint').fill(cfg.endpoint!);
  await fs.getByLabel('Region').fill(cfg.region);
  await fs.getByLabel('Bucket', { exact: true }).fill(cfg.bucket);
  await fs.getByLabel('Path-style addressing').check();
  await fs.getByLabel('Part size (MiB)').fill('5');
  await fs.getByLabel('Multipart above (MiB)').fill('5');
  if (storageClass) await fs.getByLabel('Storage class').selectOption(storageClass);
  await fs.getByLabel('Access key ID').fill(TEST_CREDENTIALS.accessKeyId);
  await fs.getByLabel('Secret access key').fill(secret);
  return fs;
}

describe('operator workflows in Chromium', () => {
  it('settings round-trip: test connection, save, and the secret is never shown or written in clear', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    const originFs = await fillDestination('origin', origin.cfg, 'wrong-secret');
    await originFs.getByRole('button', { name: 'Test connection' }).click();
    await expect(originFs.getByTestId('connection-test').textContent()).resolves.toMatch(
      /^✗ List s3:\/\/t-\w+ at http:\/\/127\.0\.0\.1:\d+ \(\d+ ms\) — .*SignatureDoesNotMatch/,
    );
    await originFs.getByLabel('Secret access key').fill(TEST_CREDENTIALS.secretAccessKey);
    await originFs.getByRole('button', { name: 'Test connection' }).click();
    await originFs.locator('[data-testid=connection-test].dest__test--ok').waitFor();
    await expect(originFs.getByTestId('connection-test').locator('li').allTextContents()).resolves.toEqual([
      expect.stringMatching(/^✓ List /),
      expect.stringMatching(/^✓ Write a test object \(\d+ ms\) — s3:\/\/t-\w+\/\.ingest-station-check\//),
      expect.stringMatching(/^✓ Read it back \(\d+ ms\) — \d+ bytes/),
      expect.stringMatching(/^✓ Delete it /),
      expect.stringMatching(
        /^✓ Conditional writes \(\d+ ms\) — Claims by conditional writes \(If-None-Match and If-Match proven/,
      ),
      expect.stringMatching(/^✓ Object Lock \(\d+ ms\) — no Object Lock on this bucket/),
    ]);
    await originFs.getByLabel('Removals (versioned store)').selectOption('delete-own');
    await fillDestination('archive', archive.cfg, TEST_CREDENTIALS.secretAccessKey, 'DEEP_ARCHIVE');
    await page.getByLabel('Origin (HLS package)').selectOption('origin');
    await page.getByLabel('Archive (master + package tar)').selectOption('archive');
    await page.getByLabel('Ladder profile (name or JSON file)').fill('preview');
    await page.getByLabel('Segment length (s)').fill('2');
    await page.getByLabel('Bandwidth limit (MB/s)').fill('2');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(page.getByTestId('settings-status').textContent()).resolves.toMatch(/^Saved\. The engine restarted/);
    // The footer follows the restarted engine: it now names the S3 destinations.
    await expect
      .poll(() => page.getByTestId('station-info').textContent())
      .toMatch(/origin s3:\/\/t-\w+ at http:\/\/127\.0\.0\.1:\d+ · archive s3:\/\//);
    await screenshot(page, 'settings.png');

    // Never again in clear: not in the page after a reload, not in any answer, not on disk.
    await page.reload();
    await page.getByRole('button', { name: 'Settings' }).click();
    await expect(page.getByTestId('destination-origin').getByTestId('credential-status').textContent()).resolves.toBe(
      'Credentials stored securely (key …TEST). Type new ones to replace them.',
    );
    await expect(page.getByTestId('destination-origin').getByLabel('Secret access key').inputValue()).resolves.toBe('');
    // What the store proved at Test connection is remembered and shown: the claim protocol in use.
    await expect(page.getByTestId('destination-origin').getByTestId('claim-protocol').textContent()).resolves.toMatch(
      /^Claims by conditional writes \(If-None-Match and If-Match proven \d{4}-\d\d-\d\d\)$/,
    );
    const secret = TEST_CREDENTIALS.secretAccessKey;
    expect(await page.content()).not.toContain(secret);
    expect(JSON.stringify(await callApi(engine.url, 'getSettings'))).not.toContain(secret);
    for (const f of ['settings.json', 'credentials.json'])
      expect(await readFile(join(opts.userDataDir, f), 'utf8')).not.toContain(secret);
    const saved = JSON.parse(await readFile(join(opts.userDataDir, 'settings.json'), 'utf8'));
    expect(saved).toMatchObject({
      origin: 'origin',
      archive: 'archive',
      profile: 'preview',
      bandwidthLimitMBps: 2,
      destinations: {
        archive: { storageClass: 'DEEP_ARCHIVE', partSizeMiB: 5 },
        origin: { noncurrentVersions: 'delete-own' },
      },
    });
    await page.getByRole('button', { name: 'Back to the queue' }).click();
  });

  it('the QC player plays every rung, from the local package and from the origin', async () => {
    await dropFiles(page, ['QC Film.mp4']);
    await page.locator('[data-testid=job][data-state=done]', { hasText: 'QC Film' }).waitFor({ timeout: 90_000 });
    await row('QC Film').click();
    await openDetailTab(page, 'QC');
    const qc = detail().getByTestId('qc-player');
    await qc.locator('summary').click();
    const status = qc.getByTestId('qc-status');
    for (const copy of ['local', 'origin'] as const) {
      await qc.getByTestId('qc-source').selectOption(copy);
      // Ready when the master playlist's rungs are listed; otherwise the status says why not.
      await expect
        .poll(
          async () =>
            (await qc.locator('[data-testid=qc-rung] option').count()) > 2
              ? 'ready'
              : `not ready: ${await status.textContent()}`,
          { timeout: 45_000 },
        )
        .toBe('ready');
      const rungs = (await qc.locator('[data-testid=qc-rung] option').allTextContents()).slice(1);
      // hls.js lists levels by bandwidth, lowest first.
      expect(rungs.map((r) => r.split(' ')[0])).toEqual(['180p', '360p']);
      for (const [i, r] of rungs.entries()) {
        await qc.getByTestId('qc-rung').selectOption(String(i));
        const name = r.split(' ')[0]!;
        await expect
          .poll(() => status.textContent(), { timeout: 45_000 })
          .toMatch(
            new RegExp(
              `^Playing ${name} \\(\\d+×${name.slice(0, -1)}\\) from the ${copy === 'local' ? 'local package' : 'origin'}`,
            ),
          );
        // The picture moves: playback time advances while this rung plays.
        const t0 = Number(await status.getAttribute('data-time'));
        await expect
          .poll(async () => Number(await status.getAttribute('data-time')), { timeout: 45_000 })
          .toBeGreaterThan(t0 + 0.5);
        await expect(status.getAttribute('data-level')).resolves.toBe(String(i));
      }
    }
    await qc.getByTestId('qc-video').scrollIntoViewIfNeeded();
    await screenshot(page, 'job-detail.png');
  });

  it('cancel mid-upload: the title is cancelled and no multipart upload is left at the store', async () => {
    await dropFiles(page, ['Cancel Film.mov']);
    const r = row('Cancel Film');
    await waitForArchiveMB(r, 5, 90_000);
    const before = await archive.client.send(new ListMultipartUploadsCommand({ Bucket: archive.cfg.bucket }));
    expect(before.Uploads?.length ?? 0).toBe(1);
    await r.click();
    await detail().getByRole('button', { name: 'Cancel', exact: true }).click();
    await page
      .locator('[data-testid=job][data-state=cancelled]', { hasText: 'Cancel Film' })
      .waitFor({ timeout: 30_000 });
    const after = await archive.client.send(new ListMultipartUploadsCommand({ Bucket: archive.cfg.bucket }));
    expect(after.Uploads ?? []).toEqual([]);
    expect(await readdir(join(opts.userDataDir, 'work', 'uploads')).catch(() => [])).toEqual([]);
  });

  it('kill -9 of the engine mid-upload: the UI reconnects and the upload resumes from its stored parts', async () => {
    await dropFiles(page, ['Crash Film.mov']);
    const r = row('Crash Film');
    // Wait until at least one 5 MiB part of the master is acknowledged (journalled).
    await waitForArchiveMB(r, 5.3, 120_000);
    const beforeKill = (await callApi(engine.url, 'listJobs')).find((j) => j.title === 'Crash Film')!;
    const journals = await readdir(join(opts.userDataDir, 'work', 'uploads'));
    expect(journals).toHaveLength(1);
    const journal = await new PartJournal(join(opts.userDataDir, 'work', 'uploads', journals[0]!)).load();
    const uploadId = journal?.state === 'started' ? journal.uploadId : '';

    await engine.kill();
    await page.getByTestId('engine-banner').waitFor({ timeout: 15_000 });
    await expect(page.getByTestId('engine-banner').textContent()).resolves.toMatch(
      /^Engine unavailable — the engine stopped answering; reconnecting\. Nothing is lost/,
    );
    await screenshot(page, 'engine-down.png');

    engine = await startEngineProcess({ ...opts, port: engine.port });
    await page.getByTestId('engine-banner').waitFor({ state: 'detached', timeout: 30_000 });
    // The row shows the resumed upload: bytes already at the store are counted, not re-sent.
    await r
      .locator('[data-testid=job-progress][data-stage=uploadArchive]')
      .getByTestId('job-meta')
      .filter({ hasText: /resumed: \d+(\.\d)? MB were already at the store/ })
      .waitFor({ timeout: 30_000 });
    await screenshot(page, 'resumed.png');
    await page.locator('[data-testid=job][data-state=done]', { hasText: 'Crash Film' }).waitFor({ timeout: 120_000 });

    const done = (await callApi(engine.url, 'listJobs')).find((j) => j.title === 'Crash Film')!;
    // Nothing done twice: a stage that had finished before the crash was not run again (the encode,
    // verify and the origin upload run beside the archive's; those still running resume).
    const finished = (['probe', 'plan', 'claim', 'transcode', 'verify', 'uploadOrigin'] as const).filter(
      (s) => beforeKill.stages[s].state === 'done',
    );
    expect(finished).toEqual(expect.arrayContaining(['probe', 'plan', 'claim']));
    for (const s of finished) expect(done.stages[s].startedAt).toBe(beforeKill.stages[s].startedAt);
    const master = await stat(join(opts.dropRoot, 'Crash Film.mov'));
    const head = await archive.client.send(
      new HeadObjectCommand({
        Bucket: archive.cfg.bucket,
        Key: `crash-film/${done.claim!.version}/source/Crash Film.mov`,
      }),
    );
    expect(head.ContentLength).toBe(master.size);
    expect(head.ETag).toMatch(new RegExp(`-${Math.ceil(master.size / (5 * 1024 * 1024))}"$`));
    expect(head.StorageClass).toBe('DEEP_ARCHIVE');
    // The same multipart upload was completed (the journal is gone once it is), none is left open.
    expect(
      (await archive.client.send(new ListMultipartUploadsCommand({ Bucket: archive.cfg.bucket }))).Uploads ?? [],
    ).toEqual([]);
    expect(uploadId).toMatch(/\S/);
    expect(consoleErrors).toEqual([]);
  });
});
