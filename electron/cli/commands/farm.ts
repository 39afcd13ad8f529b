/**
 * The farm from the command line: `worker` takes titles and runs them; `submit` adds masters;
 * `farm list|pause|resume|cancel|retry|check` watches and steers. The queue's URL comes from
 * `--queue` or INGEST_FARM_URL (better for a password: command lines are visible to every user
 * of the machine); it is never printed with its password.
 */
import { createHash } from 'node:crypto';
import { basename, extname, resolve } from 'node:path';
import { hostname } from 'node:os';
import { loadConfigFile } from '../../engine/config-file.js';
import { expandSources } from '../../engine/intake.js';
import { FarmQueue, describeRedisUrl, type FarmTitle } from '../../engine/farm/farm-queue.js';
import { runFarmWorker } from '../../engine/farm/worker.js';
import { parsePathRule } from '../../engine/farm/path-map.js';
import { fingerprintFile } from '../../engine/util/fingerprint.js';
import { StationError } from '../../engine/util/errors.js';
import { STAGE_LABELS } from '../../common/jobs.js';
import { FARM_ACTIONS, type FarmAction } from '../../common/farm.js';
import { formatPercent } from '../../common/format.js';
import { EXIT_FAILED, EXIT_OK, type CliIo } from '../io.js';

export function farmUrl(opt: string | undefined): string {
  const url = opt ?? process.env.INGEST_FARM_URL;
  if (!url)
    throw new StationError('No farm queue: give --queue redis://host:6379 or set INGEST_FARM_URL', 'config-farm-url');
  return url;
}

/** A title's farm id: the same master (path, size and first/last MiB) with the same request is the same title. */
export async function farmTitleId(path: string, request: unknown): Promise<string> {
  const fp = await fingerprintFile(path);
  return `f${createHash('sha256')
    .update(`${path}\n${fp.size}:${fp.headTailSha256}\n${JSON.stringify(request ?? {})}`)
    .digest('hex')
    .slice(0, 24)}`;
}

function line(t: FarmTitle): string {
  const s = t.snapshot;
  const stage =
    s && t.state === 'running'
      ? ` · ${STAGE_LABELS[s.stage]} ${formatPercent(s.stages[s.stage].fraction)}${s.stages[s.stage].detail ? ` (${s.stages[s.stage].detail})` : ''}`
      : '';
  return `${t.id}  ${t.state.padEnd(9)} ${t.title}${t.worker ? ` @ ${t.worker}` : ''}${stage}${t.error ? ` — ${t.error}` : ''}`;
}

export async function submit(
  files: string[],
  opts: {
    queue?: string;
    priority?: number;
    titleId?: string;
    titles?: string;
    replace?: boolean;
    wait?: boolean;
    json?: boolean;
  },
  io: CliIo,
): Promise<number> {
  const farm = await FarmQueue.open({ url: farmUrl(opts.queue) });
  try {
    const intake = await expandSources(
      files.map((f) => resolve(io.cwd, f)),
      opts.titles ? { sheet: resolve(io.cwd, opts.titles) } : {},
    );
    for (const s of intake.skipped) io.stderr(`skipped ${s.path}: ${s.reason}`);
    if (opts.titleId && intake.files.length !== 1)
      throw new StationError(
        `--title-id names one title, but ${intake.files.length} masters were given: use --titles <sheet.csv> for a batch`,
        'config-title-id',
      );
    const titles = [];
    for (const f of intake.files) {
      const request = {
        ...intake.requests[f],
        ...(opts.titleId ? { titleId: opts.titleId } : {}),
        ...(opts.replace ? { replace: true } : {}),
      };
      const hasRequest = Object.keys(request).length > 0;
      titles.push({
        id: await farmTitleId(f, hasRequest ? request : undefined),
        masterPath: f,
        title: basename(f, extname(f)),
        ...(hasRequest ? { request } : {}),
      });
    }
    const added = await farm.submit(titles, hostname(), opts.priority);
    for (const t of added) io.stderr(`${t.title}: ${t.state} in the farm at ${farm.describe()} (${t.id})`);
    if (!opts.wait) {
      if (opts.json) io.json({ titles: added });
      return intake.skipped.length === 0 ? EXIT_OK : EXIT_FAILED;
    }
    const ended = await farm.waitForAll(added.map((t) => t.id));
    for (const t of ended) io.stderr(line(t));
    if (opts.json) io.json({ titles: ended });
    return ended.every((t) => t.state === 'done') && intake.skipped.length === 0 ? EXIT_OK : EXIT_FAILED;
  } finally {
    await farm.close();
  }
}

/** After SIGTERM, how long the worker may take to give its titles back before it exits regardless. */
const STOP_GRACE_MS = 30_000;

export async function worker(
  opts: {
    queue?: string;
    config: string;
    name?: string;
    titles?: number;
    pathMap?: string[];
    allow?: string[];
    lockSeconds?: number;
    stallSeconds?: number;
  },
  io: CliIo,
): Promise<number> {
  const { config, baseDir } = await loadConfigFile(resolve(io.cwd, opts.config));
  const url = farmUrl(opts.queue);
  const name = opts.name ?? `${hostname()}-${process.pid}`;
  const running = await runFarmWorker({
    url,
    name,
    config,
    baseDir,
    pathMap: (opts.pathMap ?? []).map(parsePathRule),
    ...(opts.allow ? { allow: opts.allow.map((d) => resolve(io.cwd, d)) } : {}),
    ...(opts.titles !== undefined ? { titles: opts.titles } : {}),
    ...(opts.lockSeconds
      ? { lockMs: opts.lockSeconds * 1000, stalledCheckMs: Math.max(1000, (opts.lockSeconds * 1000) / 2) }
      : {}),
    ...(opts.stallSeconds ? { stallMs: opts.stallSeconds * 1000 } : {}),
    log: (l) => io.stderr(l),
  });
  io.stderr(`${name}: connected to ${describeRedisUrl(url)}`);
  // SIGTERM (systemd stop) / Ctrl-C: stop taking titles; the running ones are interrupted and another
  // worker resumes them. A stop that cannot finish (a file system that stopped answering) does not keep
  // the process alive: after the grace period it exits all the same, saying so — the titles' locks
  // expire and other workers take them.
  const onSignal = (signal: string): void => {
    io.stderr(`${name}: ${signal}: stopping (the running titles go back to the farm)`);
    setTimeout(() => {
      io.stderr(`${name}: did not stop within ${STOP_GRACE_MS / 1000} s of ${signal}: exiting now`);
      process.exit(EXIT_FAILED);
    }, STOP_GRACE_MS).unref();
    void running.stop();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  await running.stopped;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  return EXIT_OK;
}

export async function farmCommand(
  action: string,
  id: string | undefined,
  opts: { queue?: string; json?: boolean },
  io: CliIo,
): Promise<number> {
  const farm = await FarmQueue.open({ url: farmUrl(opts.queue) });
  try {
    const need = (): string => {
      if (!id) throw new StationError(`farm ${action} needs a title id (see farm list)`, 'usage');
      return id;
    };
    switch (action) {
      case 'list': {
        // A damaged job is named beside the others, never in their way.
        const { titles, unreadable } = await farm.listAll();
        if (opts.json) io.json({ titles, unreadable });
        else for (const t of titles) io.stdout(line(t));
        for (const u of unreadable) io.stderr(`${u.id}: unreadable job — ${u.problem}`);
        return unreadable.length ? EXIT_FAILED : EXIT_OK;
      }
      case 'check': {
        const c = await farm.check();
        io.stdout(`Redis ${c.version} at ${farm.describe()}`);
        for (const p of c.problems) io.stdout(`problem: ${p}`);
        for (const w of c.warnings) io.stdout(`warning: ${w}`);
        return c.problems.length ? EXIT_FAILED : EXIT_OK;
      }
      default:
        if (!(FARM_ACTIONS as readonly string[]).includes(action))
          throw new StationError(`farm ${action}: not an action (list, check, ${FARM_ACTIONS.join(', ')})`, 'usage');
        await farm.control(need(), action as FarmAction);
        return EXIT_OK;
    }
  } finally {
    await farm.close();
  }
}
