/**
 * What the library audits found, kept per title (last audited, last proven whole, problems,
 * repairs) and the run in progress (which titles it has done), in one append-only durable log — a
 * library of 25,000 titles is one line per title audited, not a 25,000-entry file rewritten each
 * time. A run killed midway continues where it stopped. The log is compacted when it opens (one
 * line per title, the unfinished run, the last finished run).
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { AuditProblem, RestoreState } from '../../common/manifest.js';
import type { LibraryRun, LibraryTitle } from '../../common/library.js';
import { DurableLog, readJournal } from '../util/durable-log.js';
import { writeFileAtomic } from '../util/atomic-write.js';

type Line =
  | { t: 'title'; title: LibraryTitle }
  | { t: 'run'; run: LibraryRun }
  | { t: 'done'; runId: string; titleId: string }
  | { t: 'end'; run: LibraryRun };

const run = z.looseObject({ id: z.string() });
/** What each line must hold (a torn last line is cut, a damaged one named: util/durable-log.ts). */
const lineSchema = z.discriminatedUnion('t', [
  z.looseObject({ t: z.literal('title'), title: z.looseObject({ titleId: z.string() }) }),
  z.looseObject({ t: z.literal('run'), run }),
  z.looseObject({ t: z.literal('done'), runId: z.string(), titleId: z.string() }),
  z.looseObject({ t: z.literal('end'), run }),
]);

export class LibraryStore {
  readonly titles = new Map<string, LibraryTitle>();
  /** The run in progress (not finished), if any, and the titles it has done. */
  current: { run: LibraryRun; done: Set<string> } | undefined;
  last: LibraryRun | undefined;
  /** Bumped by every title recorded: a reader's cached order of the titles is stale once it moves. */
  revision = 0;
  private readonly log: DurableLog;

  constructor(readonly path: string) {
    this.log = new DurableLog(path);
  }

  async open(): Promise<this> {
    await mkdir(dirname(this.path), { recursive: true });
    for (const line of (await readJournal(this.path, lineSchema)) as Line[]) {
      if (line.t === 'title') this.titles.set(line.title.titleId, line.title);
      else if (line.t === 'run') this.current = { run: line.run, done: new Set() };
      else if (line.t === 'done' && this.current?.run.id === line.runId) this.current.done.add(line.titleId);
      else if (line.t === 'end') {
        this.last = line.run;
        if (this.current?.run.id === line.run.id) this.current = undefined;
      }
    }
    await writeLibraryLog(this.path, this.titles.values(), this.last, this.current);
    await this.log.open('a');
    return this;
  }

  async startRun(run: LibraryRun): Promise<void> {
    this.current = { run, done: new Set() };
    await this.log.append({ t: 'run', run } satisfies Line);
  }

  /** One title audited in the current run: its result and the run's place, durably. */
  async record(title: LibraryTitle): Promise<void> {
    this.titles.set(title.titleId, title);
    this.revision++;
    await this.log.append({ t: 'title', title } satisfies Line);
    if (this.current) {
      this.current.done.add(title.titleId);
      await this.log.append({ t: 'done', runId: this.current.run.id, titleId: title.titleId } satisfies Line);
    }
  }

  async endRun(run: LibraryRun): Promise<void> {
    this.last = run;
    this.current = undefined;
    await this.log.append({ t: 'end', run } satisfies Line);
  }

  close(): Promise<void> {
    return this.log.close();
  }
}

/**
 * The log compacted: the same state in as few lines as it takes (one per title, the last finished
 * run, the unfinished one and its place). What open() leaves; also how a large library is written at
 * once (the tests' 25,000 titles) instead of a durable append per title.
 */
export async function writeLibraryLog(
  path: string,
  titles: Iterable<LibraryTitle>,
  last: LibraryRun | undefined,
  current?: { run: LibraryRun; done: Set<string> },
): Promise<void> {
  const lines: Line[] = [...titles].map((title) => ({ t: 'title' as const, title }));
  if (last) lines.push({ t: 'end', run: last });
  if (current) {
    lines.push({ t: 'run', run: current.run });
    for (const titleId of current.done) lines.push({ t: 'done', runId: current.run.id, titleId });
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, lines.map((l) => JSON.stringify(l) + '\n').join(''));
}

/** A title's entry after an audit: last proven whole carried forward when this one found problems. */
export function nextTitleEntry(
  prev: LibraryTitle | undefined,
  now: {
    titleId: string;
    version?: string;
    at: string;
    problems: AuditProblem[];
    repaired?: number;
    repairedKeys?: string[];
    restore?: RestoreState;
    rebuild?: { jobId: string; detail: string };
    chunks?: number;
    viewersChecked?: number;
  },
): LibraryTitle {
  const whole = now.problems.length === 0;
  return {
    titleId: now.titleId,
    ...(now.version ? { version: now.version } : {}),
    lastAudit: now.at,
    ...(whole ? { lastProvenWhole: now.at } : prev?.lastProvenWhole ? { lastProvenWhole: prev.lastProvenWhole } : {}),
    problems: now.problems,
    repairs: (prev?.repairs ?? 0) + (now.repaired ?? 0),
    ...(now.restore ? { restore: now.restore } : {}),
    ...(now.repairedKeys?.length ? { repairedKeys: now.repairedKeys } : {}),
    ...(now.rebuild ? { rebuild: now.rebuild } : {}),
    ...(now.chunks !== undefined ? { chunks: now.chunks } : {}),
    viewersChecked: (prev?.viewersChecked ?? 0) + (now.viewersChecked ?? 0),
  };
}
