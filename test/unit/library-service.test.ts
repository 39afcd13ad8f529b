/**
 * The library audit's schedule and guard (folder origin, no titles): first run ten minutes after the
 * station opens, then every `everyHours` after the last run started; never two runs at once.
 */
import { describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stationConfigSchema } from '../../electron/common/config';
import { createLibraryService } from '../../electron/engine/audit/library-service';
import { FolderDestination } from '../../electron/engine/destinations/folder';

describe('library audit schedule', () => {
  it('due ten minutes after opening, then every everyHours; one run at a time', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lib-svc-'));
    const config = stationConfigSchema.parse({
      destinations: { o: { type: 'folder', path: join(dir, 'o') } },
      origin: 'o',
      libraryAudit: { everyHours: 6 },
    });
    let clock = Date.parse('2026-12-01T02:00:00Z');
    const svc = createLibraryService({
      config,
      origin: new FolderDestination('o', join(dir, 'o')),
      workDir: join(dir, 'w'),
      stationName: 'test',
      now: () => clock,
    });
    try {
      expect((await svc.view()).nextDue).toBe('2026-12-01T02:10:00.000Z');
      clock += 11 * 60_000;
      const first = svc.run();
      await expect(svc.run()).rejects.toThrow(/already running/);
      const r = await first;
      expect(r.run).toMatchObject({ titles: 0, audited: 0, withProblems: 0, number: 1 });
      const view = await svc.view();
      expect(view.last?.id).toBe(r.run.id);
      expect(Date.parse(view.nextDue!) - Date.parse(r.run.startedAt)).toBe(6 * 3_600_000);
    } finally {
      await svc.close();
    }
  });
});
