/**
 * Transfer over a shaped WAN (test/helpers/wan-proxy.ts in front of the same radosgw): the station,
 * aws-cli and rclone with the defaults each ships (and rclone with --transfers 16) on the same link
 * in the same run — one large file and a package of 1,000 small objects — on two link profiles.
 * Prints MB/s and objects/s, the ratio to the best peer and to the link's limit. Targets (issue):
 * large file ≥ 1.5× the best peer and ≥ 0.8× the link; small objects ≥ 1.5× the best peer.
 */
import { describe, inject, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { S3Destination } from '../../electron/engine/destinations/s3';
import type { RemoteObject } from '../../electron/engine/destinations/destination';
import { hashFile } from '../../electron/engine/util/hash-file';
import { stationConfigSchema } from '../../electron/common/config';
import { objectsPoolFor } from '../../electron/engine/destinations/destination-set';
import { freshBucket } from '../helpers/s3';
import { peerEnv } from '../helpers/peers';
import { makeBigFile } from '../helpers/files';
import { tempDir } from '../helpers/station';
import type { LinkProfile } from '../helpers/wan-proxy';
import { startWanProxyProcess } from '../helpers/wan-proxy-process';

const run = promisify(execFile);
const MIB = 1024 * 1024;
const BIG = Number(process.env.INGEST_WAN_BIG_MIB ?? 1024) * MIB;
const SMALL = 1000;

const PROFILES: LinkProfile[] = [
  { name: 'RTT 40 ms · 4 MB/s per connection · 60 MB/s uplink', delayMs: 20, perConnectionBps: 4e6, uplinkBps: 60e6 },
  { name: 'RTT 100 ms · 2 MB/s per connection · 30 MB/s uplink', delayMs: 50, perConnectionBps: 2e6, uplinkBps: 30e6 },
];

const timed = async (fn: () => Promise<unknown>): Promise<number> => {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
};

describe('transfer over a shaped WAN', () => {
  it('large file and 1,000 small objects: station vs aws-cli vs rclone, two link profiles', async () => {
    const dir = await tempDir('bench-wan-');
    const big = await makeBigFile(join(dir, 'big.bin'), BIG, 11);
    const bd = await hashFile(big);
    const small = join(dir, 'small');
    await mkdir(small);
    const files = await Promise.all(
      Array.from({ length: SMALL }, (_, i) =>
        makeBigFile(join(small, `c${String(i).padStart(5, '0')}.m4s`), 48_000, 2000 + i),
      ),
    );
    const digests = await Promise.all(files.map((f) => hashFile(f)));
    const awsConfig = join(dir, 'aws.cfg');
    await writeFile(awsConfig, '[default]\nregion = us-east-1\ns3 =\n  addressing_style = path\n');
    const lines: string[] = [];
    // A fresh cluster creates its pools on first use (seconds): warmed directly, not through the link.
    const warm = await freshBucket(inject('s3Endpoint'), '', {});
    const warmDest = new S3Destination('warm', warm.cfg, { journalDir: join(dir, 'journals') });
    for (let i = 0; i < 5; i++)
      await warmDest.put({ localPath: files[i]!, key: `warm/${i}`, size: digests[i]!.size, md5: digests[i]!.md5 });
    warmDest.close();
    // INGEST_WAN_PROFILES=1 (or 2, or 1,2): which links to run.
    const chosen = (process.env.INGEST_WAN_PROFILES ?? '1,2').split(',').map((n) => PROFILES[Number(n) - 1]!);
    for (const link of chosen) {
      const proxy = await startWanProxyProcess(inject('s3Endpoint'), link);
      const env = peerEnv(proxy.endpoint, awsConfig);
      const { cfg } = await freshBucket(inject('s3Endpoint'), '', {});
      const wan = { ...cfg, endpoint: proxy.endpoint };
      // The station's defaults: parts in flight start at partsPerFile and adapt up to partsInFlight; objects in flight start at uploadConcurrency and adapt.
      const d = stationConfigSchema.parse({ destinations: { o: wan }, origin: 'o' });
      const dest = new S3Destination('wan', wan, {
        journalDir: join(dir, 'journals'),
        partsPool: pLimit(d.partsInFlight),
        partsPerFile: d.partsPerFile,
        adaptive: d.transferConcurrency === 'adaptive',
        maxPartsPerFile: d.partsInFlight,
        log: (m) => void (/link is full|requests in flight/.test(m) && adaptLog.push(m)),
      });
      const adaptLog: string[] = [];
      const smallPool = objectsPoolFor(d);
      const stationSmall = (prefix: string) => async (): Promise<void> => {
        const listed = new Map<string, RemoteObject>();
        for await (const o of dest.list(prefix)) listed.set(o.key, o);
        await Promise.all(
          files.map((f, i) =>
            smallPool(() =>
              dest.put({
                localPath: f,
                key: `${prefix}${i}`,
                size: digests[i]!.size,
                md5: digests[i]!.md5,
                existing: listed.get(`${prefix}${i}`) ?? null,
              }),
            ),
          ),
        );
      };
      const bigRuns: Record<string, () => Promise<unknown>> = {
        // The first file on a link starts from the configured parts in flight; the next starts
        // from what the first learned (link-estimate.ts).
        'station (first file)': () => dest.put({ localPath: big, key: 'big/station', size: bd.size }),
        'station (next file)': () => dest.put({ localPath: big, key: 'big/station-2', size: bd.size }),
        'aws-cli': () =>
          run(
            '/usr/bin/aws',
            ['--endpoint-url', proxy.endpoint, 's3', 'cp', big, `s3://${cfg.bucket}/big/aws`, '--no-progress'],
            { env },
          ),
        rclone: () => run('rclone', ['copyto', big, `loc:${cfg.bucket}/big/rclone`], { env }),
      };
      const smallRuns: Record<string, () => Promise<unknown>> = {
        station: stationSmall('small/station/'),
        'aws-cli': () =>
          run(
            '/usr/bin/aws',
            [
              '--endpoint-url',
              proxy.endpoint,
              's3',
              'cp',
              small,
              `s3://${cfg.bucket}/small/aws`,
              '--recursive',
              '--no-progress',
              '--only-show-errors',
            ],
            { env, maxBuffer: 16 << 20 },
          ),
        rclone: () => run('rclone', ['copy', small, `loc:${cfg.bucket}/small/rclone`], { env }),
        'rclone --transfers 16': () =>
          run('rclone', ['copy', small, `loc:${cfg.bucket}/small/rclone16`, '--transfers', '16', '--checkers', '16'], {
            env,
          }),
      };
      const bigT: Record<string, number> = {};
      for (const [name, fn] of Object.entries(bigRuns)) bigT[name] = await timed(fn);
      const smallT: Record<string, number> = {};
      for (const [name, fn] of Object.entries(smallRuns)) smallT[name] = await timed(fn);
      const mb = (s: number): number => BIG / 1e6 / s;
      const bestPeerBig = Math.min(
        ...Object.entries(bigT)
          .filter(([k]) => !k.startsWith('station'))
          .map(([, v]) => v),
      );
      const bestPeerSmall = Math.min(
        ...Object.entries(smallT)
          .filter(([k]) => k !== 'station')
          .map(([, v]) => v),
      );
      lines.push(`— ${link.name} —`);
      lines.push(
        `${BIG / MIB} MiB: ${Object.entries(bigT)
          .map(([k, v]) => `${k} ${mb(v).toFixed(1)} MB/s`)
          .join(', ')}`,
      );
      for (const k of ['station (first file)', 'station (next file)']) {
        lines.push(
          `  ${k} / best peer ${(bestPeerBig / bigT[k]!).toFixed(2)}× (target ≥ 1.5×), / link ${(mb(bigT[k]!) / (link.uplinkBps / 1e6)).toFixed(2)}× (target ≥ 0.8×)`,
        );
      }
      lines.push(
        `${SMALL} × 48 KB: ${Object.entries(smallT)
          .map(([k, v]) => `${k} ${(SMALL / v).toFixed(0)} obj/s`)
          .join(
            ', ',
          )} → station / best peer ${(bestPeerSmall / smallT.station!).toFixed(2)}× (target ≥ 1.5×), link limit ${(link.uplinkBps / 48_000).toFixed(0)} obj/s`,
      );
      lines.push(
        `peak connections through the link: ${proxy.stats.peakConnections}; adaptation: ${adaptLog.slice(0, 3).join(' | ') || 'no change logged'}`,
      );
      dest.close();
      await proxy.close();
      // Gigabytes per tool and profile: give the space back to the test store's small OSD.
      await run(
        '/usr/bin/aws',
        [
          '--endpoint-url',
          inject('s3Endpoint'),
          's3',
          'rm',
          `s3://${cfg.bucket}/big/`,
          '--recursive',
          '--only-show-errors',
        ],
        { env: peerEnv(inject('s3Endpoint'), awsConfig) },
      );
    }
    console.log(lines.join('\n'));
    await rm(dir, { recursive: true, force: true });
  });
});
