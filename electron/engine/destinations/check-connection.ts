/**
 * "Test connection" for the settings screen: prove the station can do what an upload will do, at
 * the same place (bucket + prefix, or folder), with the same credentials — list, write a small
 * object, read its size back, delete it — and name the step that failed in the store's words.
 * Each step has a short timeout and no retries: the operator is waiting for an answer.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DestinationConfig } from '../../common/config.js';
import type { ConnectionStep, ConnectionTest } from '../../common/settings.js';
import type { ByteSource } from '../transfer/byte-source.js';
import { describeTransferError } from '../transfer/retry.js';
import { createDestination } from './index.js';

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
): Promise<ConnectionTest> {
  const dest = createDestination(name, cfg, baseDir, {
    journalDir,
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
        await dest.delete(key);
        return undefined;
      }));
    return { ok, steps };
  } finally {
    dest.close();
  }
}
