/**
 * What a library audit costs per title of 10,000 chunks (radosgw): a real delivered title whose
 * manifest is grown to 10,000 chunks (synthetic segment objects beside its real files), audited by
 * the library audit with and without the viewers' door (4 chunks per run through a test CDN).
 * Prints requests by billing class, the cost at B2's list prices, and the time — next to the
 * plain listing audit of the same prefix (`auditDestination`, the floor any audit pays).
 */
import { describe, expect, inject, it } from 'vitest';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import type { Manifest } from '../../electron/common/manifest';
import { auditLibrary } from '../../electron/engine/audit/library-audit';
import { LibraryStore } from '../../electron/engine/audit/library-store';
import { RequestBudget, b2Cost, metered } from '../../electron/engine/audit/request-budget';
import { auditDestination } from '../../electron/engine/audit/audit';
import { makeMaster } from '../helpers/masters';
import { freshBucket } from '../helpers/s3';
import { tempDir, testStation } from '../helpers/station';

const CHUNKS = 10_000;

describe('library audit cost', () => {
  it('per title of 10,000 chunks: requests by class, cost at B2 prices, time', async () => {
    const dir = await tempDir('bench-library-');
    const origin = await freshBucket(inject('s3Endpoint'));
    const station = await testStation(dir, origin.cfg);
    const [added] = await station.queue.add([await makeMaster({ seconds: 6, name: 'Big Library Title.mp4' }, dir)]);
    const done = await station.queue.waitFor(added!.id);
    expect(done.state).toBe('done');
    const { titleId, version } = station.queue.get(added!.id)!.claim!;
    await station.close();

    // Grow the title to 10,000 chunks: synthetic segments at the origin, listed in its manifest.
    const key = `${titleId}/${version}/manifest.json`;
    const manifest = JSON.parse(
      Buffer.from(
        await (
          await origin.client.send(new GetObjectCommand({ Bucket: origin.cfg.bucket, Key: key }))
        ).Body!.transformToByteArray(),
      ).toString('utf8'),
    ) as Manifest;
    const real = manifest.files.filter((f) => f.kind === 'segment').length;
    const pool = pLimit(32);
    const extra = await Promise.all(
      Array.from({ length: CHUNKS - real }, (_, i) =>
        pool(async () => {
          const path = `bench/seg_${String(i).padStart(5, '0')}.m4s`;
          const body = Buffer.from(`chunk ${i} `.repeat(20));
          await origin.client.send(
            new PutObjectCommand({ Bucket: origin.cfg.bucket, Key: `${titleId}/${version}/${path}`, Body: body }),
          );
          return {
            path,
            size: body.length,
            md5: createHash('md5').update(body).digest('hex'),
            sha256: createHash('sha256').update(body).digest('hex'),
            kind: 'segment' as const,
            rendition: 'bench',
          };
        }),
      ),
    );
    manifest.files.push(...extra);
    await origin.client.send(
      new PutObjectCommand({ Bucket: origin.cfg.bucket, Key: key, Body: JSON.stringify(manifest, null, 2) + '\n' }),
    );

    const cdnServer = createServer(async (req, res) => {
      try {
        const out = await origin.client.send(
          new GetObjectCommand({ Bucket: origin.cfg.bucket, Key: decodeURIComponent((req.url ?? '/').slice(1)) }),
        );
        res.end(Buffer.from(await out.Body!.transformToByteArray()));
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => cdnServer.listen(0, '127.0.0.1', r));
    const cdn = `http://127.0.0.1:${(cdnServer.address() as AddressInfo).port}`;
    const { openDestinations } = await import('../../electron/engine/destinations/destination-set');
    const { stationConfigSchema } = await import('../../electron/common/config');
    const dests = openDestinations(
      stationConfigSchema.parse({ destinations: { origin: origin.cfg }, origin: 'origin' }),
      dir,
    );
    try {
      const lines: string[] = [];
      // The floor: one listing audit of the prefix, counted the same way.
      const floor = new RequestBudget(10_000);
      const t0 = performance.now();
      const listing = await auditDestination({
        destination: metered(dests.get('origin'), floor),
        prefix: titleId,
        expected: [],
      });
      lines.push(
        `listing alone: ${listing.objectsListed} objects, ${floor.total} requests (C ${floor.counts.C}), $${b2Cost(floor.counts).toFixed(6)}, ${((performance.now() - t0) / 1000).toFixed(2)} s`,
      );
      for (const viewers of [undefined, { baseUrl: cdn, sampleChunks: 4 }]) {
        const store = await new LibraryStore(join(dir, `lib-${viewers ? 'v' : 'plain'}.jsonl`)).open();
        const t = performance.now();
        const r = await auditLibrary({
          origin: dests.get('origin'),
          store,
          requestsPerSecond: 10_000,
          repair: false,
          ...(viewers ? { viewers } : {}),
        });
        await store.close();
        expect(r.run.withProblems).toBe(0);
        const n = r.run.requests.A + r.run.requests.B + r.run.requests.C;
        lines.push(
          `library audit${viewers ? " + viewers' door (4 chunks/run)" : ''}: ${CHUNKS} chunks, ${n} requests (A ${r.run.requests.A}, B ${r.run.requests.B}, C ${r.run.requests.C}), $${r.run.costUsd.toFixed(6)} at B2 prices, ${((performance.now() - t) / 1000).toFixed(2)} s` +
            (r.run.viewers ? `; every chunk through the door within ${r.run.viewers.runsToCoverAll} runs` : ''),
        );
      }
      console.log(lines.join('\n'));
    } finally {
      dests.close();
      cdnServer.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
