import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCoalescer, createJobUpdateForwarder } from '../../electron/common/coalesce';
import { describeZodError, stationConfigSchema } from '../../electron/common/config';
import { absolutePath, parseInvokeArgs } from '../../electron/common/schemas';

describe('update coalescing', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('delivers at most one update per job per 100 ms, always the latest', () => {
    const got: number[] = [];
    const c = createCoalescer<number>((v) => got.push(v), 100);
    for (let i = 0; i < 1000; i++) {
      c.push('job', i);
      vi.advanceTimersByTime(1);
    }
    vi.advanceTimersByTime(200);
    expect(got.length).toBeLessThanOrEqual(11);
    expect(got.length).toBeGreaterThanOrEqual(9);
    expect(got.at(-1)).toBe(999);
  });

  it('keys are independent and a state change is delivered at once', () => {
    const got: string[] = [];
    const f = createJobUpdateForwarder<{ id: string; state: string; stage: string; n: number }>(
      (j) => got.push(`${j.id}:${j.state}:${j.n}`),
      100,
    );
    f.forward({ id: 'a', state: 'running', stage: 'transcode', n: 1 });
    f.forward({ id: 'a', state: 'running', stage: 'transcode', n: 2 });
    f.forward({ id: 'b', state: 'running', stage: 'transcode', n: 1 });
    f.forward({ id: 'a', state: 'done', stage: 'report', n: 3 });
    expect(got).toEqual(['a:running:1', 'b:running:1', 'a:done:3']);
    vi.advanceTimersByTime(500);
    expect(got).toEqual(['a:running:1', 'b:running:1', 'a:done:3']);
  });
});

describe('schemas', () => {
  it.each(['/a/b.mov', 'C:\\x\\y.mxf', 'D:/m.mov'])('accepts absolute path %s', (p) => {
    expect(absolutePath.safeParse(p).success).toBe(true);
  });
  it.each([
    'a.mov',
    './a.mov',
    '',
    'x'.repeat(5000),
    '\\\\nas\\share\\m.mov',
    '//nas/share/m.mov',
    '\\\\?\\C:\\m.mov',
    '/a/b\0.mov',
  ])('rejects %s', (p) => {
    expect(absolutePath.safeParse(p).success).toBe(false);
  });

  it('config: a destination name that is not defined is named in the error', () => {
    const r = stationConfigSchema.safeParse({
      destinations: { a: { type: 'folder', path: 'x' } },
      origin: 'a',
      archive: 'glacier',
    });
    expect(r.success).toBe(false);
    expect(describeZodError(r.error!)).toBe('archive: names destination "glacier", which is not defined');
  });

  it('config: s3 defaults and validation', () => {
    const ok = stationConfigSchema.parse({ destinations: { b2: { type: 's3', bucket: 'films' } }, origin: 'b2' });
    expect(ok.destinations.b2).toEqual({
      type: 's3',
      preset: 'generic',
      bucket: 'films',
      region: 'us-east-1',
      prefix: '',
      forcePathStyle: false,
      partSizeMiB: 16,
      multipartThresholdMiB: 64,
    });
    expect(ok.segmentSeconds).toBe(6);
    const bad = stationConfigSchema.safeParse({
      destinations: { b2: { type: 's3', bucket: 'x', endpoint: 'not a url' } },
      origin: 'b2',
    });
    expect(describeZodError(bad.error!)).toMatch(
      /destinations\.b2\.bucket.*destinations\.b2\.endpoint|destinations\.b2\.endpoint.*bucket/,
    );
  });

  it('settings operations: arguments are checked before the engine sees them', () => {
    const config = stationConfigSchema.parse({ destinations: { o: { type: 'folder', path: '/out' } }, origin: 'o' });
    expect(parseInvokeArgs('saveSettings', [{ config, credentials: { o: null } }])[0].credentials).toEqual({ o: null });
    expect(() => parseInvokeArgs('saveSettings', [{ config, credentials: {}, extra: 1 }])).toThrow(
      /Invalid arguments for saveSettings/,
    );
    expect(() => parseInvokeArgs('saveSettings', [{ config: { ...config, activeJobs: 0 } }])).toThrow(
      /Invalid arguments for saveSettings at argument 0\.config\.activeJobs/,
    );
    expect(() => parseInvokeArgs('testDestination', ['../x', { type: 'folder', path: '/out' }, null])).toThrow(
      /not a destination name/,
    );
    expect(() => parseInvokeArgs('testDestination', ['o', { type: 'ftp', host: 'x' }, null])).toThrow(
      /Invalid arguments for testDestination/,
    );
    expect(() =>
      parseInvokeArgs('testDestination', [
        'o',
        { type: 'folder', path: '/out' },
        { accessKeyId: 'A', secretAccessKey: '' },
      ]),
    ).toThrow(/testDestination at argument 2\.secretAccessKey/);
  });
});
