import { describe, expect, it, vi } from 'vitest';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { teeConsoleToFile } from '../../electron/main/log-file';

describe('the app log', () => {
  it('keeps what was written to the console, one timestamped line per message, and rolls at 5 MB', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'logs-'));
    const seen: string[] = [];
    const target = { log: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn((m: string) => seen.push(m)) };
    const path = teeConsoleToFile(dir, target);
    target.error('upload of x failed: SlowDown');
    target.info('line one\nline two');
    expect(seen).toEqual(['upload of x failed: SlowDown']);
    const text = await readFile(path, 'utf8');
    expect(text).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z ERROR upload of x failed: SlowDown\n\S+ INFO line one\n {4}line two\n$/,
    );
    await writeFile(path, Buffer.alloc(5 * 1024 * 1024 + 1, 'x'));
    target.warn('after the roll');
    expect((await readdir(dir)).sort()).toEqual(['main.1.log', 'main.log']);
    expect(await readFile(path, 'utf8')).toMatch(/WARN after the roll\n$/);
  });
});
