/**
 * The library audit on real radosgw, from a station that never ingested the titles (the CLI on a
 * fresh work folder): titles found at the origin by their claims, a foreign prefix left alone; a
 * test CDN in front of the origin serving one stale chunk is caught through the viewers' door while
 * the listing audit passes; the webhook receives the problem; a chunk deleted at the origin is
 * repaired from the archive's tar; a run stopped midway continues with the titles it had not done.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Station } from '../../electron/engine/station';
import type { S3DestinationConfig } from '../../electron/common/config';
import { stationConfigSchema } from '../../electron/common/config';
import { auditLibrary } from '../../electron/engine/audit/library-audit';
import { LibraryStore } from '../../electron/engine/audit/library-store';
import { makeMaster } from '../helpers/masters';
import { freshBucket } from '../helpers/s3';
import { tempDir, testStation } from '../helpers/station';
import { runCli } from '../helpers/cli';

let dir: string;
let station: Station;
let origin: { cfg: S3DestinationConfig; client: S3Client };
let archive: { cfg: S3DestinationConfig; client: S3Client };
let titles: Array<{ titleId: string; version: string }>;
let cdn: { url: string; stale: Set<string>; close(): Promise<void> };
let hook: { url: string; posts: Array<Record<string, unknown>>; close(): Promise<void> };

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** A CDN in front of the origin bucket: serves what the bucket holds, except the keys in `stale` (an old copy, same size). */
async function startCdn(): Promise<typeof cdn> {
  const stale = new Set<string>();
  const server = createServer(async (req, res) => {
    const key = decodeURIComponent((req.url ?? '/').slice(1));
    try {
      const out = await origin.client.send(new GetObjectCommand({ Bucket: origin.cfg.bucket, Key: key }));
      let body = Buffer.from(await out.Body!.transformToByteArray());
      if (stale.has(key)) body = Buffer.alloc(body.length, 0x47);
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  const url = await listen(server);
  return { url, stale, close: () => new Promise((r) => server.close(() => r())) };
}

async function startHook(): Promise<typeof hook> {
  const posts: Array<Record<string, unknown>> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      res.writeHead(204);
      res.end();
    });
  });
  const url = await listen(server);
  return { url, posts, close: () => new Promise((r) => server.close(() => r())) };
}

beforeAll(async () => {
  dir = await tempDir('ingest-library-');
  origin = await freshBucket(inject('s3Endpoint'));
  archive = await freshBucket(inject('s3Endpoint'));
  station = await testStation(join(dir, 'ingesting'), origin.cfg, archive.cfg);
  const added = await station.queue.add([
    await makeMaster({ seconds: 6, name: 'Tokyo Story.mp4' }, dir),
    await makeMaster({ seconds: 8, name: 'Kino.mp4' }, dir),
  ]);
  titles = [];
  for (const a of added) {
    const done = await station.queue.waitFor(a.id);
    expect(done.state, done.error?.message).toBe('done');
    titles.push(station.queue.get(a.id)!.claim!);
  }
  await station.close();
  // Another program's files at the origin: not a station title, never touched.
  await origin.client.send(
    new PutObjectCommand({ Bucket: origin.cfg.bucket, Key: 'other-app/readme.txt', Body: 'not ours' }),
  );
  cdn = await startCdn();
  hook = await startHook();
}, 240_000);
afterAll(async () => {
  await cdn?.close();
  await hook?.close();
  await rm(dir, { recursive: true, force: true });
});

async function config(name: string): Promise<string> {
  const path = join(dir, `${name}.json`);
  await writeFile(
    path,
    JSON.stringify({
      destinations: { origin: { ...origin.cfg, publicBaseUrl: cdn.url }, archive: archive.cfg },
      origin: 'origin',
      archive: 'archive',
      workDir: join(dir, `${name}-work`),
      alertWebhook: `${hook.url}/alerts`,
      libraryAudit: { requestsPerSecond: 200 },
    }),
  );
  return path;
}

interface CliResult {
  ok: boolean;
  run: {
    titles: number;
    audited: number;
    withProblems: number;
    requests: { A: number; B: number; C: number };
    viewers?: { chunks: number; chunksTotal: number; runsToCoverAll: number };
  };
  problems: Array<{ titleId: string; problems: Array<{ key: string; problem: string }> }>;
  repaired: Array<{ titleId: string }>;
}

describe('library audit', () => {
  it("a stale chunk at the CDN is caught through the viewers' door while the listing passes; the webhook gets it", async () => {
    const cfg = await config('cron');
    const [a] = titles;
    const manifest = JSON.parse(
      Buffer.from(
        await (
          await origin.client.send(
            new GetObjectCommand({ Bucket: origin.cfg.bucket, Key: `${a!.titleId}/${a!.version}/manifest.json` }),
          )
        ).Body!.transformToByteArray(),
      ).toString('utf8'),
    ) as { files: Array<{ path: string; kind: string }> };
    const chunk = `${a!.titleId}/${a!.version}/${manifest.files.filter((f) => f.kind === 'segment')[2]!.path}`;

    const clean = await runCli([
      'audit',
      '--library',
      '--dest',
      'origin',
      '--config',
      cfg,
      '--sample',
      '1000',
      '--json',
    ]);
    expect(clean.code, clean.stderr).toBe(0);
    const first = JSON.parse(clean.stdout) as CliResult;
    expect(first.run).toMatchObject({ titles: 3, audited: 2, withProblems: 0 });
    expect(first.run.viewers!.chunks).toBe(first.run.viewers!.chunksTotal);

    cdn.stale.add(chunk);
    const caught = await runCli([
      'audit',
      '--library',
      '--dest',
      'origin',
      '--config',
      cfg,
      '--sample',
      '1000',
      '--json',
    ]);
    expect(caught.code, caught.stderr).toBe(1);
    const second = JSON.parse(caught.stdout) as CliResult;
    expect(second.problems.map((t) => [t.titleId, t.problems.map((p) => `${p.key} ${p.problem}`)])).toEqual([
      [a!.titleId, [`${chunk} viewers-mismatch`]],
    ]);
    expect(caught.stderr).toMatch(/a stale copy at the CDN \(purge this URL\)/);
    expect(caught.stderr).toMatch(/requests \d+ \(A 0, B \d+, C \d+\) ≈ \$[\d.]+ at B2 prices/);
    const alert = hook.posts.at(-1)!;
    expect(alert).toMatchObject({
      kind: 'library-audit',
      titleId: a!.titleId,
      keys: [chunk],
      repair: 'not-repaired',
      destination: 'origin',
    });
    cdn.stale.clear();
  });

  it('a chunk gone from the origin comes back from the archive (a station that never had the package)', async () => {
    const cfg = await config('repair');
    const [, b] = titles;
    const key = `${b!.titleId}/${b!.version}/manifest.json`;
    const manifest = JSON.parse(
      Buffer.from(
        await (
          await origin.client.send(new GetObjectCommand({ Bucket: origin.cfg.bucket, Key: key }))
        ).Body!.transformToByteArray(),
      ).toString('utf8'),
    ) as { files: Array<{ path: string; kind: string }> };
    const lost = `${b!.titleId}/${b!.version}/${manifest.files.filter((f) => f.kind === 'segment')[1]!.path}`;
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    await origin.client.send(new DeleteObjectCommand({ Bucket: origin.cfg.bucket, Key: lost }));
    const before = hook.posts.length;
    const fixed = await runCli([
      'audit',
      '--library',
      '--dest',
      'origin',
      '--config',
      cfg,
      '--repair',
      '--sample',
      '2',
      '--json',
    ]);
    expect(fixed.code, fixed.stderr).toBe(0);
    const out = JSON.parse(fixed.stdout) as CliResult;
    expect(out.repaired.map((t) => t.titleId)).toEqual([b!.titleId]);
    expect(fixed.stderr).toContain(`${b!.titleId}: repaired, proven whole`);
    // Two chunks per title per run through the viewers' door: the coverage is said.
    expect(out.run.viewers!.chunks).toBe(4);
    expect(out.run.viewers!.runsToCoverAll).toBeGreaterThan(1);
    expect(hook.posts.slice(before).map((p) => [p.titleId, p.repair])).toEqual([[b!.titleId, 'repaired']]);
    // The other program's object is still there.
    const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
    await expect(
      origin.client.send(new HeadObjectCommand({ Bucket: origin.cfg.bucket, Key: 'other-app/readme.txt' })),
    ).resolves.toBeDefined();
  });

  it('a run stopped after its first title continues with the rest', async () => {
    const cfgPath = join(dir, 'resume-work', 'library', 'audits.jsonl');
    const stationConfig = stationConfigSchema.parse({ destinations: { origin: origin.cfg }, origin: 'origin' });
    const { openDestinations } = await import('../../electron/engine/destinations/destination-set');
    const dests = openDestinations(stationConfig, dir);
    try {
      const stop = new AbortController();
      const seen: string[] = [];
      const store = await new LibraryStore(cfgPath).open();
      await expect(
        auditLibrary({
          origin: dests.get('origin'),
          store,
          requestsPerSecond: 500,
          repair: false,
          onTitle: (t) => (seen.push(t.titleId), stop.abort()),
          signal: stop.signal,
        }),
      ).rejects.toThrow();
      await store.close();
      expect(seen).toHaveLength(1);
      // As after a kill: the log is read again, the run continues.
      const again = await new LibraryStore(cfgPath).open();
      expect(again.current?.done.size).toBe(1);
      const rest: string[] = [];
      const result = await auditLibrary({
        origin: dests.get('origin'),
        store: again,
        requestsPerSecond: 500,
        repair: false,
        onTitle: (t) => rest.push(t.titleId),
      });
      await again.close();
      expect(rest).toHaveLength(1);
      expect(new Set([...seen, ...rest])).toEqual(new Set(titles.map((t) => t.titleId)));
      expect(result.run).toMatchObject({ audited: 2, withProblems: 0, number: 1 });
      expect(again.titles.get(titles[0]!.titleId)!.lastProvenWhole).toBeDefined();
    } finally {
      dests.close();
    }
  });
});
