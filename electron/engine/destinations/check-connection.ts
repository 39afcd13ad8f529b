/**
 * "Test connection" for the settings screen: prove the station can do what an upload will do, at
 * the same place (bucket + prefix, or folder), with the same credentials — list, write a small
 * object, read its size back, delete it — and name the step that failed in the store's words.
 * Then what the store proves it does: conditional writes (probed again; the claim protocol
 * follows and is remembered in the work folder), versions, and (S3) Object Lock — whether copies
 * written now will be immutable, and until when. Each step has a short timeout and no retries:
 * the operator is waiting for an answer. A delete the key may not make (an archive key without
 * delete rights, as recommended) is said, not failed.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DestinationConfig } from '../../common/config.js';
import type { ConnectionStep, ConnectionTest } from '../../common/settings.js';
import type { ByteSource } from '../transfer/byte-source.js';
import { describeTransferError } from '../transfer/retry.js';
import { describeClaimProtocol } from '../../common/store-facts.js';
import { createDestination } from './index.js';
import { S3Destination } from './s3.js';

const CHECK_PREFIX = '.ingest-station-check';

function bufferSource(body: Buffer): ByteSource {
  const fingerprint = createHash('sha256').update(body).digest('hex');
  return {
    description: 'connection check object',
    identity: async () => ({ size: body.length, mtimeMs: 0, fingerprint }),
    read: async (offset, length) => body.subarray(offset, offset + length),
  };
}

export async function checkConnection(
  name: string,
  cfg: DestinationConfig,
  baseDir: string,
  journalDir: string,
  /** The work folder, where what the store proved is remembered (absent: not remembered). */
  stateDir?: string,
): Promise<ConnectionTest> {
  const dest = createDestination(name, cfg, baseDir, {
    journalDir,
    ...(stateDir ? { stateDir } : {}),
    retry: { attempts: 1, baseMs: 0, maxMs: 0 },
    idleTimeoutMs: 10_000,
  });
  const steps: ConnectionStep[] = [];
  const key = `${CHECK_PREFIX}/${Date.now()}-${randomBytes(4).toString('hex')}.txt`;
  const body = Buffer.from(`Ingest Station connection check ${new Date().toISOString()}\n`);
  const step = async (label: string, fn: () => Promise<string | undefined>): Promise<boolean> => {
    const t0 = performance.now();
    try {
      const detail = await fn();
      steps.push({ step: label, ok: true, ms: Math.round(performance.now() - t0), ...(detail ? { detail } : {}) });
      return true;
    } catch (err) {
      steps.push({
        step: label,
        ok: false,
        ms: Math.round(performance.now() - t0),
        detail: describeTransferError(err, label).message,
      });
      return false;
    }
  };
  try {
    const ok =
      (await step(`List ${dest.describe()}`, async () => {
        for await (const _o of dest.list(CHECK_PREFIX + '/')) break;
        return undefined;
      })) &&
      (await step('Write a test object', async () => {
        await dest.putSource({ source: bufferSource(body), key, contentType: 'text/plain' });
        return dest.locate(key);
      })) &&
      (await step('Read it back', async () => {
        const head = await dest.head(key);
        if (!head) throw new Error('the object just written is not there');
        if (head.size !== body.length) throw new Error(`size ${head.size}, expected ${body.length}`);
        return `${head.size} bytes${head.storageClass ? `, ${head.storageClass}` : ''}`;
      })) &&
      (await step('Delete it', async () => {
        const r = await dest.delete(key);
        if (r.outcome === 'refused')
          return `not allowed, left at ${dest.locate(key)} (${r.detail ?? 'refused'}) — right for an archive key without delete rights; an origin key needs them`;
        return r.outcome === 'marker'
          ? 'a delete marker (versioned bucket): the test object’s version remains'
          : undefined;
      })) &&
      (await step('Conditional writes', async () => describeClaimProtocol(await dest.facts({ refresh: true })))) &&
      (dest instanceof S3Destination ? await step('Object Lock', () => dest.describeLock()) : true);
    return { ok, steps };
  } finally {
    dest.close();
  }
}
