/**
 * The library's read API: one page at a time, filtered, searched and sorted where the titles are
 * (the engine), so a 25,000-title library never crosses to the window at once. The pure query over
 * titles, then the library service over its real log: pages of a kept order, refreshed when an
 * audit records a title.
 */
import { describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stationConfigSchema } from '../../electron/common/config';
import { LIBRARY_PAGE_MAX, libraryPage, matchLibrary, type LibraryTitle } from '../../electron/common/library';
import { invokeArgSchemas } from '../../electron/common/schemas';
import { createLibraryService, libraryQueryCache } from '../../electron/engine/audit/library-service';
import { FolderDestination } from '../../electron/engine/destinations/folder';
import { libraryOf, seedLibrary } from '../helpers/seed';

const t = (titleId: string, over: Partial<LibraryTitle> = {}): LibraryTitle => ({
  titleId,
  lastAudit: '2026-12-01T02:00:00.000Z',
  lastProvenWhole: '2026-12-01T02:00:00.000Z',
  problems: [],
  repairs: 0,
  ...over,
});
const missing = { key: 'k', problem: 'missing' as const, detail: 'gone' };

describe('library query', () => {
  const titles = [
    t('b-film'),
    t('a-film', { problems: [missing] }),
    t('c-film', { lastProvenWhole: '2026-11-01T00:00:00.000Z' }),
    t('tt0001', {
      problems: [missing, missing],
      restore: {
        key: 'x',
        destination: 'archive',
        storageClass: 'DEEP_ARCHIVE',
        tier: 'Bulk',
        requestedAt: '',
        detail: 'Bulk: 48 h',
      },
    }),
    t('tt0002', { lastProvenWhole: undefined }),
  ];

  it('filters, searches, sorts; counts per filter over the whole library', () => {
    const ids = (q: Parameters<typeof matchLibrary>[1]): string[] =>
      matchLibrary(titles, q).matching.map((x) => x.titleId);
    expect(ids({})).toEqual(['tt0001', 'a-film', 'b-film', 'c-film', 'tt0002']); // problems first, then by ID
    expect(ids({ filter: 'problems' })).toEqual(['tt0001', 'a-film']);
    expect(ids({ filter: 'restore' })).toEqual(['tt0001']);
    expect(ids({ filter: 'never-proven' })).toEqual(['tt0002']);
    expect(ids({ search: 'TT00' })).toEqual(['tt0001', 'tt0002']);
    // Last proven: never proven first, then the oldest proof.
    expect(ids({ sort: 'lastProven' })).toEqual(['tt0002', 'c-film', 'a-film', 'b-film', 'tt0001']);
    expect(ids({ sort: 'titleId', descending: true })).toEqual(['tt0002', 'tt0001', 'c-film', 'b-film', 'a-film']);
    expect(matchLibrary(titles, { search: 'film', filter: 'problems' }).counts).toEqual({
      all: 5,
      problems: 2,
      restore: 1,
      'never-proven': 1,
    });
  });

  it('pages: an offset and a limit, never more than the most a page may hold', () => {
    const lib = libraryOf(1200, Date.parse('2026-12-02T00:00:00Z'));
    const matched = matchLibrary(lib.titles, {});
    const page = libraryPage(matched, { offset: 1100, limit: 200 });
    expect(page).toMatchObject({ total: 1200, offset: 1100 });
    expect(page.titles).toHaveLength(100);
    expect(libraryPage(matched, {}).titles).toHaveLength(LIBRARY_PAGE_MAX);
    // What crosses IPC is checked: a page larger than the most, or a negative offset, is refused.
    expect(invokeArgSchemas.libraryView.safeParse([{ limit: LIBRARY_PAGE_MAX + 1 }]).success).toBe(false);
    expect(invokeArgSchemas.libraryView.safeParse([{ offset: -1 }]).success).toBe(false);
    expect(
      invokeArgSchemas.libraryView.safeParse([{ filter: 'problems', sort: 'lastProven', search: 'tt' }]).success,
    ).toBe(true);
  });

  it('the service over a 25,000-title log: pages of one order, fresh after an audit records a title', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lib-query-'));
    const lib = libraryOf(25_000, Date.parse('2026-12-02T00:00:00Z'));
    await seedLibrary(join(dir, 'w'), lib);
    const config = stationConfigSchema.parse({
      destinations: { o: { type: 'folder', path: join(dir, 'o') } },
      origin: 'o',
    });
    const svc = createLibraryService({
      config,
      origin: new FolderDestination('o', join(dir, 'o')),
      workDir: join(dir, 'w'),
      stationName: 't',
    });
    try {
      const first = await svc.view({ filter: 'problems', limit: 50 });
      expect(first.total).toBe(lib.titles.filter((x) => x.problems.length).length);
      expect(first.titles).toHaveLength(50);
      expect(first.counts.all).toBe(25_000);
      expect(first.last?.id).toBe('run-seeded');
      const second = await svc.view({ filter: 'problems', limit: 50, offset: 50 });
      expect(second.titles[0]!.titleId).not.toBe(first.titles[0]!.titleId);
      expect(await svc.title(lib.titles[7]!.titleId)).toEqual(lib.titles[7]);
    } finally {
      await svc.close();
    }
  });

  it('keeps one order page after page, and drops it when an audit records a title', () => {
    const cache = libraryQueryCache();
    const store = { titles: new Map(titles.map((x) => [x.titleId, x])), revision: 0 };
    const a = cache(store, { filter: 'problems' });
    expect(cache(store, { filter: 'problems', offset: 200 } as never)).toBe(a); // the same order, not sorted again
    expect(cache(store, { filter: 'all' })).not.toBe(a);
    store.titles.set('d-film', t('d-film', { problems: [missing] }));
    store.revision++;
    expect(cache(store, { filter: 'problems' }).matching.map((x) => x.titleId)).toEqual(['tt0001', 'a-film', 'd-film']);
  });
});
