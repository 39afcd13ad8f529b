/**
 * The app as electron-builder really builds it (`electron-builder --dir --linux`), against a
 * stand-in Electron binary (the real one cannot be downloaded here) that carries Electron's fuse
 * wire with Electron's defaults: what app.asar holds — the built main, preload and renderer and
 * package.json, the engine's runtime dependencies, nothing else —, the fuses as flipped, the
 * fallback ffprobe of the target platform only, the resources the station reads, and a size budget.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { access, chmod, constants, mkdir, readFile, stat, writeFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { tempDir } from '../helpers/station';
import type * as Fuses from '@electron/fuses';

const ROOT = resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const asar = require('@electron/asar') as {
  listPackage(path: string, opts?: unknown): string[];
  extractFile(archive: string, file: string): Buffer;
};
const { getCurrentFuseWire, FuseV1Options } = require('@electron/fuses') as typeof Fuses;
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Electron's shipped fuse states: RunAsNode on, cookie encryption off, NODE_OPTIONS on, --inspect on, asar integrity off, only-asar off, V8 snapshot off, file:// privileges on. */
const ELECTRON_DEFAULT_WIRE = '10110001';
const MB = 1e6;
/** app.asar: the bundles (~1 MB) and the AWS SDK (~20 MB) with the rest of the runtime dependencies. */
const ASAR_BUDGET = 20 * MB;
/** Everything electron-builder adds to Electron's own resources (asar, ffprobe 4.0.2, spec, profiles). */
const RESOURCES_BUDGET = 100 * MB;

let out: string;
let app: string;
let files: string[];

async function duSize(path: string): Promise<number> {
  const st = await stat(path);
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const e of await readdir(path)) n += await duSize(join(path, e));
  return n;
}

beforeAll(async () => {
  const dir = await tempDir('ingest-pack-');
  const dist = join(dir, 'electron-dist');
  await mkdir(join(dist, 'resources'), { recursive: true });
  await writeFile(
    join(dist, 'electron'),
    Buffer.concat([
      Buffer.from('#!/bin/sh\n# stand-in Electron\n'),
      Buffer.from(SENTINEL),
      Buffer.from([1, ELECTRON_DEFAULT_WIRE.length]),
      Buffer.from(ELECTRON_DEFAULT_WIRE),
      Buffer.alloc(32),
    ]),
  );
  await chmod(join(dist, 'electron'), 0o755);
  await writeFile(join(dist, 'LICENSE'), 'stand-in');
  await writeFile(join(dist, 'version'), '45.5.0');
  out = join(dir, 'dist');
  await promisify(execFile)(
    process.execPath,
    [
      join(ROOT, 'node_modules/electron-builder/cli.js'),
      '--dir',
      '--linux',
      '--x64',
      `-c.electronDist=${dist}`,
      `-c.directories.output=${out}`,
    ],
    { cwd: ROOT, timeout: 180_000 },
  );
  app = join(out, 'linux-unpacked');
  files = asar.listPackage(join(app, 'resources', 'app.asar')).map((f) => f.replace(/\\/g, '/'));
}, 240_000);

describe('the packaged app (electron-builder --dir --linux)', () => {
  it('app.asar holds the built app and package.json — no sources, tests, source maps or dev dependencies', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
      main: string;
    };
    for (const f of ['/package.json', `/${pkg.main}`, '/out/preload/index.cjs', '/out/renderer/index.html'])
      expect(files, f).toContain(f);
    expect(files.some((f) => /^\/out\/renderer\/assets\/index-[\w-]+\.js$/.test(f))).toBe(true);
    const ours = files.filter((f) => f !== '/node_modules' && !f.startsWith('/node_modules/'));
    expect(ours.filter((f) => !/^\/(out\/(main|preload|renderer)(\/|$)|out$|package\.json$)/.test(f))).toEqual([]);
    expect(ours.filter((f) => f.endsWith('.map') || f.endsWith('.ts'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    // Nothing from the libraries that no user runs: tests, benchmarks, coverage, docs, sources.
    expect(
      files.filter(
        (f) =>
          f.startsWith('/node_modules/') &&
          (/\/(test|tests|__tests__|coverage|benchmarks?|bench|examples?|docs?|\.github|src\/v[34])\//.test(f) ||
            /\/(README|CHANGELOG|HISTORY)[^/]*$/i.test(f) ||
            /\.(ts|mts|cts|tsx)$/.test(f)),
      ),
    ).toEqual([]);
    for (const dev of Object.keys(pkg.devDependencies))
      expect(
        files.some((f) => f.startsWith(`/node_modules/${dev}/`)),
        `dev dependency ${dev} in app.asar`,
      ).toBe(false);
    for (const dep of Object.keys(pkg.dependencies))
      expect(files, `runtime dependency ${dep}`).toContain(`/node_modules/${dep}/package.json`);
    // The renderer's libraries are in its bundle, not beside it.
    for (const lib of ['react', 'react-dom', 'hls.js'])
      expect(files.some((f) => f.startsWith(`/node_modules/${lib}/`))).toBe(false);
    // The CSP travels with the page.
    expect(asar.extractFile(join(app, 'resources', 'app.asar'), 'out/renderer/index.html').toString()).toContain(
      "default-src 'self'",
    );
  });

  it('the fuses are flipped as configured', async () => {
    const wire = await getCurrentFuseWire(join(app, 'ingest-station'));
    const on = 49;
    const off = 48;
    expect({
      runAsNode: wire[FuseV1Options.RunAsNode],
      cookieEncryption: wire[FuseV1Options.EnableCookieEncryption],
      nodeOptions: wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable],
      inspect: wire[FuseV1Options.EnableNodeCliInspectArguments],
      asarIntegrity: wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation],
      onlyAsar: wire[FuseV1Options.OnlyLoadAppFromAsar],
      fileProtocolPrivileges: wire[FuseV1Options.GrantFileProtocolExtraPrivileges],
    }).toEqual({
      runAsNode: off,
      cookieEncryption: on,
      nodeOptions: off,
      inspect: off,
      asarIntegrity: on,
      onlyAsar: on,
      fileProtocolPrivileges: off,
    });
  });

  it('ships the fallback ffprobe for its own platform only, executable, and the resources the station reads', async () => {
    const res = join(app, 'resources');
    expect(await readdir(join(res, 'ffprobe-static'))).toEqual(['linux-x64']);
    await expect(access(join(res, 'ffprobe-static', 'linux-x64', 'ffprobe'), constants.X_OK)).resolves.toBeUndefined();
    expect(files.some((f) => f.startsWith('/node_modules/ffprobe-static/bin/'))).toBe(false);
    for (const f of ['delivery-spec.json', 'ladder-profiles.json'])
      expect(JSON.parse(await readFile(join(res, f), 'utf8'))).toBeTruthy();
  });

  it(`stays within its size budget (app.asar ≤ ${ASAR_BUDGET / MB} MB, resources ≤ ${RESOURCES_BUDGET / MB} MB)`, async () => {
    const asarSize = (await stat(join(app, 'resources', 'app.asar'))).size;
    const resources = await duSize(join(app, 'resources'));
    console.log(
      `packaged: app.asar ${(asarSize / MB).toFixed(1)} MB (${files.length} entries), resources ${(resources / MB).toFixed(1)} MB`,
    );
    expect(asarSize).toBeLessThanOrEqual(ASAR_BUDGET);
    expect(resources).toBeLessThanOrEqual(RESOURCES_BUDGET);
  });
});
