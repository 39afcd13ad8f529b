/**
 * electron-builder cannot package here (it downloads Electron), so the offline checks: the config
 * passes electron-builder's own schema validation, and it packs what the app needs at runtime.
 */
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { readFile } from 'node:fs/promises';

const ROOT = resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);

describe('electron-builder config', () => {
  it('passes electron-builder’s schema validation', async () => {
    const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
      getConfig(dir: string, path: string | null, opts: null): Promise<Record<string, unknown>>;
      validateConfiguration(cfg: unknown, logger: unknown): Promise<void>;
    };
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    const config = await getConfig(ROOT, resolve(ROOT, 'electron-builder.yml'), null);
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    expect(config.productName).toBe('Ingest Station');
    const files = (config.files as Array<{ filter: string[] }>).flatMap((f) => f.filter);
    for (const needed of ['out/main/**', 'out/preload/**', 'out/renderer/**']) expect(files).toContain(needed);
    // …and the validation is real: a misspelt key fails it.
    await expect(validateConfiguration({ ...config, asarUnpak: [] }, new DebugLogger(false))).rejects.toThrow(
      /asarUnpak/,
    );
  });

  it('package.json points Electron at the built main and the CLI bin at its launcher', async () => {
    const pkg = JSON.parse(await readFile(resolve(ROOT, 'package.json'), 'utf8')) as {
      main: string;
      bin: Record<string, string>;
    };
    expect(pkg.main).toBe('out/main/index.js');
    expect(pkg.bin['ingest-station']).toBe('bin/ingest-station.js');
  });
});
