import type { PackageProblem } from '../../common/manifest.js';

/**
 * Errors the station shows to an operator. `message` is one specific human sentence; `detail`
 * carries the diagnostic text (ffmpeg's stderr tail, an S3 error code) for the "details" view.
 */
export class StationError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'StationError';
  }
}

/**
 * A failure that outlasted its retries but may succeed later (network down, store overloaded).
 * Multipart uploads keep their journal and server-side parts for these, so a retry resumes.
 */
export class TransientError extends StationError {
  constructor(message: string, code: string) {
    super(message, code);
    this.name = 'TransientError';
  }
}

/** A conditional write whose precondition no longer held: someone else wrote the object first. */
export class PreconditionFailed extends StationError {
  constructor(key: string) {
    super(`${key} changed at the store while the station was writing it`, 'precondition-failed');
    this.name = 'PreconditionFailed';
  }
}

/** A package that failed verification, with every problem found. */
export class VerificationError extends StationError {
  constructor(
    message: string,
    readonly problems: PackageProblem[],
  ) {
    super(message, 'verify-failed', problems.map((p) => `${p.file}: ${p.problem} — ${p.detail}`).join('\n'));
    this.name = 'VerificationError';
  }
}

export class CancelledError extends Error {
  constructor(message = 'Cancelled by the operator') {
    super(message);
    this.name = 'CancelledError';
  }
}

/**
 * Abort reason for stopping work that will continue later (the station shutting down, a job being
 * paused): resumable state — multipart uploads and their journals — is kept, not aborted.
 */
export class ShutdownError extends Error {
  constructor(message = 'The station is shutting down') {
    super(message);
    this.name = 'ShutdownError';
  }
}

export class PauseError extends ShutdownError {
  constructor() {
    super('Paused by the operator');
    this.name = 'PauseError';
  }
}

/** True when the work was stopped to be resumed later (shutdown or pause), not cancelled. */
export const isShutdown = (signal: AbortSignal | undefined): boolean => signal?.reason instanceof ShutdownError;

export function isCancelled(err: unknown): boolean {
  return err instanceof CancelledError || (err instanceof Error && err.name === 'AbortError');
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A child AbortSignal for one request, linked to a long-lived parent (a job's signal). Disposing
 * removes the link, so thousands of requests over a job's life never pile listeners on the parent.
 */
export function linkedAbort(parent: AbortSignal | undefined): {
  controller: AbortController;
  signal: AbortSignal;
  dispose(): void;
} {
  const ac = new AbortController();
  if (!parent) return { controller: ac, signal: ac.signal, dispose() {} };
  const onAbort = (): void => ac.abort(parent.reason);
  if (parent.aborted) ac.abort(parent.reason);
  else parent.addEventListener('abort', onAbort, { once: true });
  return { controller: ac, signal: ac.signal, dispose: () => parent.removeEventListener('abort', onAbort) };
}
