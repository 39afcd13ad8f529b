/**
 * The archive is the way back (real radosgw): a delivered title loses its local package, then two
 * origin chunks are deleted and one overwritten. The audit repairs all three from the archived
 * package tar with ranged reads of exactly those members (bytes read from the archive counted at
 * the wire), re-audits clean, and the origin's bytes match the manifest. With the archive in
 * DEEP_ARCHIVE the same repair goes request → waiting (kept across a restart of the station, the
 * restore asked for once) → repaired once the restore completes (emulated in front of radosgw,
 * which implements no restore).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { auditJob } from '../../electron/engine/audit/job-audit';
import type { Station } from '../../electron/engine/station';
import type { JobRecord } from '../../electron/engine/queue/job-queue';
import { makeMaster } from '../helpers/masters';
import { freshBucket } from '../helpers/s3';
import { startGlacierProxy, type GlacierProxy } from '../helpers/glacier-proxy';
import { tempDir, testStation } from '../helpers/station';
import { runCli } from '../helpers/cli';
import type { DestinationConfig } from '../../electron/common/config';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('ingest-archive-repair-');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Delivered {
  station: Station;
  job: JobRecord;
  proxy: GlacierProxy;
  origin: DestinationConfig;
  archive: DestinationConfig;
  work: string;
}

/** One title delivered to a fresh origin and an archive behind the proxy. */
async function deliver(name: string, archived: boolean): Promise<Delivered> {
  const origin = (await freshBucket(inject('s3Endpoint'))).cfg;
  const bucket = (await freshBucket(inject('s3Endpoint'), '', archived ? { storageClass: 'DEEP_ARCHIVE' } : {})).cfg;
  const proxy = await startGlacierProxy(
    inject('s3Endpoint'),
    // Claims and the station's scratch objects (probes, claim intents) are written in the default class.
    archived ? (key) => !key.endsWith('title.json') && !key.startsWith('.ingest-station/') : undefined,
  );
  const archive = { ...bucket, endpoint: proxy.endpoint };
  const work = join(dir, name);
  const station = await testStation(work, origin, archive);
  const [added] = await station.queue.add([await makeMaster({ seconds: 9, name: `${name}.mp4` }, work)]);
  const done = await station.queue.waitFor(added!.id);
  expect(done.state, done.error?.message).toBe('done');
  return { station, job: station.queue.get(added!.id)!, proxy, origin, archive, work };
}

/** Lose the local package; delete two chunks at the origin and overwrite a third with other bytes. */
async function damage(d: Delivered): Promise<{ keys: string[]; bytes: number }> {
  const { titleId, version } = d.job.claim!;
  await rm(d.job.packageDir!, { recursive: true, force: true });
  const manifest = JSON.parse(
    Buffer.from(await d.station.origin.read(`${titleId}/${version}/manifest.json`)).toString('utf8'),
  ) as { files: Array<{ path: string; size: number; kind: string }> };
  const segments = manifest.files.filter((f) => f.kind === 'segment');
  const hit = [segments[1]!, segments[segments.length - 2]!, segments[Math.floor(segments.length / 2)]!];
  await d.station.origin.delete(`${titleId}/${version}/${hit[0]!.path}`);
  await d.station.origin.delete(`${titleId}/${version}/${hit[1]!.path}`);
  await d.station.origin.writeObject(`${titleId}/${version}/${hit[2]!.path}`, Buffer.alloc(hit[2]!.size, 7));
  return { keys: hit.map((f) => `${titleId}/${version}/${f.path}`).sort(), bytes: hit.reduce((n, f) => n + f.size, 0) };
}

/** Every file of the version at the origin hashes to the manifest's SHA-256. */
async function originMatchesManifest(d: Delivered): Promise<number> {
  const { titleId, version } = d.job.claim!;
  const manifest = JSON.parse(
    Buffer.from(await d.station.origin.read(`${titleId}/${version}/manifest.json`)).toString('utf8'),
  ) as { files: Array<{ path: string; sha256: string }> };
  let same = 0;
  for (const f of manifest.files) {
    const sha = createHash('sha256')
      .update(await d.station.origin.read(`${titleId}/${version}/${f.path}`))
      .digest('hex');
    if (sha === f.sha256) same++;
  }
  expect(same).toBe(manifest.files.length);
  return same;
}

describe('repair from the archive, without the local package', () => {
  it('a readable archive: three chunks back by ranged reads of the tar, re-audit clean, bytes equal', async () => {
    const d = await deliver('readable', false);
    try {
      const hit = await damage(d);
      const before = d.proxy.log.length;
      const records = await d.station.queue.mutate(d.job.id, (j) =>
        auditJob(j, d.station.auditContext, { repair: true }),
      );
      const origin = records.filter((r) => r.destination === 'origin');
      expect(origin[0]!.problems.map((p) => p.key).sort()).toEqual(hit.keys);
      expect(origin[1]!.problems).toEqual([]);
      expect(origin[1]!.repaired!.uploaded.sort()).toEqual(hit.keys);
      const reads = d.proxy.log.slice(before).filter((r) => r.method === 'GET' && r.key.endsWith('package.tar'));
      const wire = reads.reduce((n, r) => n + r.bytes, 0);
      expect(
        reads.every((r) => r.range),
        'every read of the tar is ranged',
      ).toBe(true);
      const from = origin[1]!.repaired!.fromArchive!;
      console.log(
        `archive repair: ${hit.bytes} bytes repaired, ${wire} bytes read from the archive on the wire in ${reads.length} ranged GETs (${(wire / hit.bytes).toFixed(2)}×); the tar is ${(await d.station.archive!.head(`${d.job.claim!.titleId}/${d.job.claim!.version}/package.tar`))!.size} bytes`,
      );
      expect(from.bytesRepaired).toBe(hit.bytes);
      expect(wire).toBe(from.bytesRead);
      expect(wire).toBeLessThanOrEqual(2 * hit.bytes);
      await originMatchesManifest(d);
    } finally {
      await d.station.close();
      await d.proxy.close();
    }
  });

  it('DEEP_ARCHIVE: restore requested → waiting, across a restart → repaired once readable', async () => {
    const d = await deliver('deep', true);
    let station = d.station;
    try {
      const hit = await damage(d);
      const tarKey = `${d.job.claim!.titleId}/${d.job.claim!.version}/package.tar`;
      const first = await station.queue.mutate(d.job.id, (j) => auditJob(j, station.auditContext, { repair: true }));
      const waiting = first.find((r) => r.destination === 'origin')!;
      expect(waiting.problems.map((p) => p.key).sort()).toEqual(hit.keys);
      expect(waiting.restore).toMatchObject({ key: tarKey, storageClass: 'DEEP_ARCHIVE', tier: 'Standard' });
      expect(waiting.restore!.detail).toMatch(
        /Standard restore from DEEP_ARCHIVE: readable within 12 hours, about \$[\d.]+ for/,
      );
      const asked = d.proxy.log.filter((r) => r.method === 'POST' && /restore/.test(r.query));
      expect(asked).toHaveLength(1);
      expect(asked[0]!.body).toMatch(/<Days>7<\/Days>.*<Tier>Standard<\/Tier>/s);

      // The station restarts: the title is still waiting, and checking again asks nothing new.
      await station.close();
      station = await testStation(d.work, d.origin, d.archive);
      expect(
        station.queue.get(d.job.id)!.audits!.find((r) => r.destination === 'origin' && r.restore)?.restore?.key,
      ).toBe(tarKey);
      expect(await station.pollRestores()).toBe(0);
      expect(d.proxy.log.filter((r) => r.method === 'POST' && /restore/.test(r.query))).toHaveLength(1);
      expect(station.queue.get(d.job.id)!.audits!.filter((r) => r.destination === 'origin' && r.restore)).toHaveLength(
        1,
      );

      // The restore completes (hours, for real): the next check repairs from the tar and proves it whole.
      d.proxy.complete(tarKey);
      expect(await station.pollRestores()).toBe(1);
      const after = station.queue
        .get(d.job.id)!
        .audits!.filter((r) => r.destination === 'origin')
        .at(-1)!;
      expect(after.problems).toEqual([]);
      expect(after.restore).toBeUndefined();
      expect(after.repaired!.uploaded.sort()).toEqual(hit.keys);
      expect(after.repaired!.fromArchive!.bytesRead).toBeLessThanOrEqual(2 * hit.bytes);
      expect(d.proxy.log.filter((r) => r.method === 'GET' && r.status === 403).length).toBe(0);
      d.job = station.queue.get(d.job.id)!;
      await originMatchesManifest({ ...d, station });
    } finally {
      await station.close();
      await d.proxy.close();
    }
  });

  it('the package tar gone too: the archived master is read back and transcoded again as a replacement', async () => {
    const d = await deliver('rebuild', false);
    try {
      const hit = await damage(d);
      const { titleId, version } = d.job.claim!;
      await d.station.archive!.delete(`${titleId}/${version}/package.tar`);
      const records = await d.station.queue.mutate(d.job.id, (j) =>
        auditJob(j, d.station.auditContext, { repair: true }),
      );
      const origin = records.find((r) => r.destination === 'origin')!;
      expect(origin.problems.map((p) => p.key).sort()).toEqual(hit.keys);
      expect(origin.rebuild!.detail).toMatch(
        /the package tar is gone from the archive: the archived master .* is being transcoded again and will replace the damaged version/,
      );
      // The read-back master is the one delivered, byte for byte.
      const rebuilt = d.station.queue.get(origin.rebuild!.jobId)!;
      expect(
        createHash('sha256')
          .update(await readFile(rebuilt.sourcePath))
          .digest('hex'),
      ).toBe(
        createHash('sha256')
          .update(await readFile(d.job.sourcePath))
          .digest('hex'),
      );
      // Asked again (the next audit), the same job is returned: nothing is queued twice.
      const again = await d.station.queue.mutate(d.job.id, (j) =>
        auditJob(j, d.station.auditContext, { repair: true }),
      );
      expect(again.find((r) => r.destination === 'origin')!.rebuild!.jobId).toBe(rebuilt.id);
      const done = await d.station.queue.waitFor(rebuilt.id);
      expect(done.state, done.error?.message).toBe('done');
      const after = d.station.queue.get(rebuilt.id)!;
      expect(after.claim!.titleId).toBe(titleId);
      expect(after.claim!.version).not.toBe(version);
      expect(after.audits!.filter((r) => r.destination === 'origin').at(-1)!.problems).toEqual([]);
      await originMatchesManifest({ ...d, job: after });
    } finally {
      await d.station.close();
      await d.proxy.close();
    }
  }, 180_000);

  it('the CLI too (`audit <manifest> --repair`): the tar gone, the master is transcoded again through the station the command opens, and it waits for the replacement', async () => {
    const d = await deliver('cli-rebuild', false);
    let open = true;
    try {
      await damage(d);
      const { titleId, version } = d.job.claim!;
      await d.station.archive!.delete(`${titleId}/${version}/package.tar`);
      const kept = join(d.work, 'kept', 'manifest.json');
      await mkdir(join(d.work, 'kept'));
      await writeFile(kept, await d.station.origin.read(`${titleId}/${version}/manifest.json`));
      await d.station.close();
      open = false;
      const config = join(d.work, 'station.json');
      await writeFile(
        config,
        JSON.stringify({
          destinations: { origin: d.origin, archive: d.archive },
          origin: 'origin',
          archive: 'archive',
          workDir: join(d.work, 'work'),
          segmentSeconds: 2,
          profile: 'preview',
        }),
      );
      const r = await runCli([
        'audit',
        kept,
        '--dest',
        'origin',
        '--config',
        config,
        '--repair',
        '--title-id',
        titleId,
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/is being transcoded again and will replace the damaged version/);
      const jobId = /rebuilt from the archived master: job (\S+) done/.exec(r.stderr)?.[1];
      expect(jobId, r.stderr).toBeDefined();
      // The replacement ran in the station's own work folder and queue: its rebuild folder, its job list.
      d.station = await testStation(d.work, d.origin, d.archive);
      open = true;
      const after = d.station.queue.get(jobId!)!;
      expect(after.state).toBe('done');
      expect(after.sourcePath.startsWith(join(d.work, 'work', 'rebuild'))).toBe(true);
      expect(after.claim!.titleId).toBe(titleId);
      expect(after.claim!.version).not.toBe(version);
      await originMatchesManifest({ ...d, job: after });
    } finally {
      if (open) await d.station.close();
      await d.proxy.close();
    }
  }, 180_000);
});
