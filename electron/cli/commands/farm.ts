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
import type { Command } from 'commander';
import type { CliContext } from '../command.js';

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

interface SubmitOptions {
  queue?: string;
  priority?: number;
  titleId?: string;
  titles?: string;
  replace?: boolean;
  wait?: boolean;
  json?: boolean;
}

export async function submit(files: string[], opts: SubmitOptions, io: CliIo): Promise<number> {
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

interface WorkerOptions {
  queue?: string;
  config: string;
  name?: string;
  titles?: number;
  pathMap?: string[];
  allow?: string[];
  lockSeconds?: number;
  stallSeconds?: number;
}

/** After SIGTERM, how long the worker may take to give its titles back before it exits regardless. */
const STOP_GRACE_MS = 30_000;

export async function worker(opts: WorkerOptions, io: CliIo): Promise<number> {
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

/** `worker`, `submit` and `farm <action>` on the command line. */
export function registerFarm(program: Command, cli: CliContext): void {
  const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
  program
    .command('worker')
    .description("a farm worker: take titles from the farm's Redis queue and run them (until stopped, or --titles)")
    .option(
      '--queue <url>',
      'the farm queue, redis://[user:password@]host:6379[/db] or rediss:// (default: INGEST_FARM_URL)',
    )
    .requiredOption(
      '--config <file>',
      "this worker's station config: its destinations and credentials, and the farm's shared workDir",
    )
    .option('--name <name>', "this worker's name in the farm and in claims (default: host-pid)")
    .option('--titles <n>', 'stop after this many titles ended here', Number)
    .option(
      '--path-map <from=to>',
      "where this machine mounts the farm's masters (repeatable), e.g. /Volumes/Masters=/mnt/masters",
      collect,
    )
    .option(
      '--allow <folder>',
      'the only folders this worker reads masters from (repeatable; default: the --path-map targets); a master elsewhere, or a link pointing out of them, is left for another worker',
      collect,
    )
    .option(
      '--lock-seconds <s>',
      "how long a title's lock lasts without renewal: a dead worker's title is taken after about this long (default 60)",
      Number,
    )
    .option(
      '--stall-seconds <s>',
      'a title that shows no sign of progress for this long is stopped and failed with the stage that stalled (default 1800)',
      Number,
    )
    .action(async (opts: WorkerOptions) => {
      cli.exit(await worker(opts, cli.io));
    });

  program
    .command('submit')
    .description('add source masters (files or folders) to the farm queue')
    .argument('<file...>', 'source masters or folders, as the workers see them through their path maps')
    .option('--queue <url>', 'the farm queue (default: INGEST_FARM_URL)')
    .option('--priority <n>', 'lower runs first (default 100)', Number)
    .option('--title-id <id>', "the platform's own title ID for the one master given")
    .option('--titles <sheet.csv>', 'title IDs for a batch (CSV: file, title_id[, replace])')
    .option('--replace', 'publish in place of what the title ID holds')
    .option('--wait', 'wait until every title submitted has finished; exit 1 if any failed')
    .option('--json', 'print the titles as JSON on stdout')
    .action(async (files: string[], opts: SubmitOptions) => {
      cli.exit(await submit(files, opts, cli.io));
    });

  program
    .command('farm')
    .description("the farm's titles: list, check (Redis settings), pause|resume|cancel|retry|top <id>")
    .argument('<action>', 'list, check, pause, resume, cancel, retry or top')
    .argument('[id]', 'the title (see farm list)')
    .option('--queue <url>', 'the farm queue (default: INGEST_FARM_URL)')
    .option('--json', 'list as JSON')
    .action(async (action: string, id: string | undefined, opts: { queue?: string; json?: boolean }) => {
      cli.exit(await farmCommand(action, id, opts, cli.io));
    });
}
