/**
 * What every child process the station starts (ffmpeg, ffprobe, ps) gets, and what it is watched
 * for. The station holds secrets in its environment — a farm worker's INGEST_FARM_URL carries the
 * farm's password, the AWS SDK reads AWS_SECRET_ACCESS_KEY — and a child has no use for them: it
 * gets the environment without them (anyone who can read a process's environment, or a decoder
 * bug, then finds nothing). And a child that stops giving signs of life (no progress, no output)
 * for a while — a master on a stalled mount, a pipe where a file should be — is killed, with a
 * sentence naming what stalled, instead of holding its title (and a farm worker's slot) for ever.
 */
/** Names that hold secrets, or point at them: never handed to a child. */
const SECRET_NAME =
  /^(INGEST_|AWS_|AZURE_|GOOGLE_APPLICATION_CREDENTIALS$|REDIS_)|PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY/i;
/** A URL with a password in it (redis://:pw@host, https://user:pw@host), whatever the variable's name. */
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i;

/** The environment a child gets: the station's own, without anything secret. */
export function childEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || SECRET_NAME.test(name) || URL_WITH_PASSWORD.test(value)) continue;
    out[name] = value;
  }
  return out;
}

/** Options for every execFile/spawn of the station. */
export function childOptions(): { env: NodeJS.ProcessEnv; windowsHide: true } {
  return { env: childEnv(), windowsHide: true };
}

/** How long a child may show no sign of life (progress, output) before it is killed. */
export const STALL_MS = 120_000;

/**
 * Kill `proc` (SIGKILL) when `alive()` has not been called for `ms`; `onStall(ms)` runs first, so
 * the caller can say what stalled. Call `stop()` once the child has ended.
 */
export function watchStall(
  proc: { kill(signal: 'SIGKILL'): unknown },
  ms: number,
  onStall: (silentMs: number) => void,
): { alive(): void; stop(): void } {
  let last = Date.now();
  const timer = setInterval(
    () => {
      if (Date.now() - last < ms) return;
      clearInterval(timer);
      onStall(ms);
      proc.kill('SIGKILL');
    },
    Math.max(50, Math.min(1000, ms / 4)),
  );
  timer.unref();
  return {
    alive: () => void (last = Date.now()),
    stop: () => clearInterval(timer),
  };
}

/** The sentence for a child killed by `watchStall`. */
export function stalledMessage(tool: string, what: string, silentMs: number): string {
  return `${tool} stopped making progress for ${Math.round(silentMs / 1000)} s while ${what} and was killed: its input may be on a mount that stopped answering, or not a file it can read.`;
}
