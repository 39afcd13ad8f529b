/**
 * Retries for S3 requests: exponential backoff with full jitter, bounded in attempts, on the
 * failures that are worth another try (5xx, SlowDown/throttling, resets, timeouts); everything
 * else is fatal at once and described in a sentence an operator understands.
 */
import { S3ServiceException } from '@aws-sdk/client-s3';
import { setTimeout as sleep } from 'node:timers/promises';
import { CancelledError, StationError, TransientError } from '../util/errors.js';

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseMs: 250, maxMs: 20_000 };

/** The store pushing back, or a request that timed out: worth another try, and a sign to send fewer at once. */
const THROTTLE_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequests',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);
const RETRYABLE_CODES = new Set([
  ...THROTTLE_CODES,
  'RequestTimeTooSkewed',
  'InternalError',
  'ServiceUnavailable',
  'BadDigest',
  'IncompleteBody',
]);
const RETRYABLE_NET =
  /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|socket hang up|aborted|TimeoutError|timed out|closed before/i;

/** Plain-language reasons for the failures that no retry can fix. */
const FATAL_SENTENCES: Record<string, string> = {
  InvalidAccessKeyId: 'the access key is not known to the store — check the credentials for this destination',
  SignatureDoesNotMatch: 'the secret key does not match the access key — check the credentials for this destination',
  AccessDenied: 'the credentials are not allowed to do this — check the key’s permissions on the bucket',
  NoSuchBucket: 'the bucket does not exist — check the bucket name and region of this destination',
  InvalidBucketName: 'the bucket name is not valid',
  PermanentRedirect: 'the bucket is in another region — set the destination’s region to the bucket’s',
  InvalidStorageClass: 'the store does not offer this storage class',
  EntityTooLarge: 'the object is larger than the store accepts in one request',
  Forbidden: 'the store refused the request — check the credentials and the key’s permissions for this destination',
};

export function s3ErrorCode(err: unknown): string {
  if (err instanceof S3ServiceException) return err.name;
  const e = err as { name?: string; code?: string };
  return e.code ?? e.name ?? 'Error';
}

export function isRetryable(err: unknown): boolean {
  if (err instanceof CancelledError) return false;
  if (err instanceof S3ServiceException) {
    const status = err.$metadata?.httpStatusCode ?? 0;
    return RETRYABLE_CODES.has(err.name) || status >= 500 || status === 429;
  }
  const e = err as { name?: string; code?: string; message?: string };
  if (e.name && RETRYABLE_CODES.has(e.name)) return true;
  return RETRYABLE_NET.test(`${e.code ?? ''} ${e.name ?? ''} ${e.message ?? ''}`);
}

/**
 * The throttle rule: the store said slow down (SlowDown, Throttling…, HTTP 503 or 429) or a request
 * timed out. The adaptive limits (adaptive-limit.ts) halve the requests in flight on it.
 */
export function isThrottle(err: unknown): boolean {
  const status = err instanceof S3ServiceException ? err.$metadata?.httpStatusCode : undefined;
  if (status === 503 || status === 429) return true;
  const e = err as { name?: string; code?: string; message?: string } | undefined;
  if (THROTTLE_CODES.has(e?.name ?? '') || THROTTLE_CODES.has(e?.code ?? '')) return true;
  // Errors wrapped on the way (a StationError's sentence) still carry the store's words.
  return /SlowDown|Throttl|TimeoutError|RequestTimeout|\b503\b/.test(`${e?.name ?? ''} ${e?.message ?? ''}`);
}

/** "Upload of films/x.m4s to origin failed: AccessDenied (HTTP 403): the credentials are not allowed…" */
export function describeTransferError(err: unknown, action: string): StationError {
  if (err instanceof StationError) return err;
  const status = err instanceof S3ServiceException ? err.$metadata?.httpStatusCode : undefined;
  let code = s3ErrorCode(err);
  // HEAD answers carry no body, so a refusal arrives without its code: name it by its status.
  if (/^Unknown/.test(code) && status === 403) code = 'Forbidden';
  if (/^Unknown/.test(code) && status === 404) code = 'NotFound';
  const why = FATAL_SENTENCES[code] ?? (err as Error).message ?? String(err);
  return new StationError(`${action} failed: ${code}${status ? ` (HTTP ${status})` : ''}: ${why}`, `s3-${code}`);
}

export interface RetryContext {
  signal?: AbortSignal;
  policy?: RetryPolicy;
  /** Called before each new attempt (for logging and tests). */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

export async function withRetry<T>(
  action: string,
  fn: (attempt: number) => Promise<T>,
  ctx: RetryContext = {},
): Promise<T> {
  const policy = ctx.policy ?? DEFAULT_RETRY;
  for (let attempt = 1; ; attempt++) {
    if (ctx.signal?.aborted) throw new CancelledError();
    try {
      return await fn(attempt);
    } catch (err) {
      if (ctx.signal?.aborted) throw new CancelledError();
      if (!isRetryable(err) || attempt >= policy.attempts) {
        const e = describeTransferError(err, action);
        throw isRetryable(err) ? new TransientError(`${e.message} (after ${attempt} attempts)`, e.code) : e;
      }
      // A store that says when to come back (503 SlowDown with Retry-After) is taken at its word — within reason.
      const asked = retryAfterMs(err);
      const delay =
        asked !== undefined
          ? Math.min(asked, RETRY_AFTER_CAP_MS)
          : Math.round(Math.random() * Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1)));
      ctx.onRetry?.(err, attempt, delay);
      await sleep(delay, undefined, ctx.signal ? { signal: ctx.signal } : {}).catch(() => {
        throw new CancelledError();
      });
    }
  }
}

/** The longest wait a Retry-After header is allowed to impose on one request. */
export const RETRY_AFTER_CAP_MS = 120_000;

/** A Retry-After the store sent with the error (seconds, or an HTTP date), in ms. */
export function retryAfterMs(err: unknown, now = Date.now()): number | undefined {
  const headers = (err as { $response?: { headers?: Record<string, string | undefined> } })?.$response?.headers;
  const raw = headers?.['retry-after'] ?? headers?.['Retry-After'];
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(raw);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}
