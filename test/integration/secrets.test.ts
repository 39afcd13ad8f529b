/**
 * Credentials are bound to their destination, and no secret reaches any text. One access key id and
 * secret are driven through every path a secret can take — a CLI config with a syntax error, an
 * endpoint with user info, a failing upload from the CLI, the app's settings, a failing connection
 * test, a failing title in the app engine — and every file the station wrote, everything it printed
 * and everything it logged is searched for them.
 */
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { makeMaster } from '../helpers/masters';
import { freshBucket, TEST_CREDENTIALS } from '../helpers/s3';
import { tempDir } from '../helpers/station';
import { testSecretBox } from '../helpers/test-secret-box';
import { openAppEngine, type AppEngine } from '../../electron/engine/app-engine';
import { stationConfigSchema, type S3DestinationConfig } from '../../electron/common/config';

const KEY_ID = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
const SECRET = `Sk${randomBytes(18).toString('base64url')}`;

let dir: string;
let printed = '';

/** Everything the station wrote under a folder, as one string. */
async function allText(root: string): Promise<string> {
  let out = '';
  for (const f of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!f.isFile()) continue;
    out += (await readFile(join(f.parentPath, f.name))).toString('latin1');
  }
  return out;
}

function expectNoSecret(text: string, where: string): void {
  expect(text.includes(SECRET), `the secret appears in ${where}`).toBe(false);
  expect(text.includes(KEY_ID), `the access key id appears in ${where}`).toBe(false);
}

beforeAll(async () => {
  dir = await tempDir('ingest-secrets-');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('no secret in any text', () => {
  it('CLI: a config with a syntax error beside the secret, an endpoint with user info, a failing upload', async () => {
    const endpoint = inject('s3Endpoint');
    const { cfg } = await freshBucket(endpoint);
    // 1. A syntax error right at the secret: the error names the position, not the text.
    const broken = join(dir, 'broken.json');
    await writeFile(
      broken,
      `{"destinations": {"o": {"type": "s3", "bucket": "${cfg.bucket}", "accessKeyId": "${KEY_ID}", "secretAccessKey": ${SECRET}}}, "origin": "o"}`,
    );
    const r1 = await runCli(['ingest', await makeMaster({ seconds: 2 }), '--config', broken]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/is not valid JSON: \w+ at line 1, column \d+/);
    // 2. Credentials in the endpoint URL are refused without repeating them.
    const userinfo = join(dir, 'userinfo.json');
    await writeFile(
      userinfo,
      JSON.stringify({
        destinations: { o: { type: 's3', bucket: cfg.bucket, endpoint: `https://${KEY_ID}:${SECRET}@s3.example.com` } },
        origin: 'o',
      }),
    );
    const r2 = await runCli(['ingest', await makeMaster({ seconds: 2 }), '--config', userinfo]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/user name or password in the URL/);
    // 3. A failing upload with these (wrong) credentials: the title fails with the store's reason.
    const work = join(dir, 'cli-work');
    const wrong = join(dir, 'wrong.json');
    await writeFile(
      wrong,
      JSON.stringify({
        destinations: { o: { ...cfg, accessKeyId: KEY_ID, secretAccessKey: SECRET } },
        origin: 'o',
        workDir: work,
        profile: 'preview',
        segmentSeconds: 2,
      }),
    );
    const r3 = await runCli(['ingest', await makeMaster({ seconds: 2 }), '--config', wrong, '--json']);
    expect(r3.code).toBe(1);
    expect(r3.stderr).toMatch(/InvalidAccessKeyId \(HTTP 403\): the access key is not known to the store/);
    for (const [i, r] of [r1, r2, r3].entries()) {
      expectNoSecret(r.stdout, `stdout of run ${i + 1}`);
      expectNoSecret(r.stderr, `stderr of run ${i + 1}`);
    }
    expectNoSecret(await allText(work), 'the CLI work folder (journals, reports)');
  });

  describe('the app engine', () => {
    let engine: AppEngine | undefined;
    const restore: Array<() => void> = [];
    afterEach(async () => {
      await engine?.close();
      engine = undefined;
      for (const r of restore.splice(0)) r();
    });

    it('settings, a failing connection test, a failing title, its journal, report and logs', async () => {
      // Everything logged or printed by the engine while this runs.
      for (const m of ['log', 'warn', 'error', 'info'] as const) {
        const spy = vi
          .spyOn(console, m)
          .mockImplementation((...a: unknown[]) => void (printed += a.map(String).join(' ') + '\n'));
        restore.push(() => spy.mockRestore());
      }
      for (const s of [process.stdout, process.stderr]) {
        const write = s.write.bind(s);
        s.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
          printed += String(chunk);
          return write(chunk, ...rest);
        }) as typeof s.write;
        restore.push(() => (s.write = write));
      }
      const userDataDir = join(dir, 'app');
      await mkdir(userDataDir, { recursive: true });
      engine = await openAppEngine({
        userDataDir,
        documentsDir: join(dir, 'docs'),
        secretBox: testSecretBox(randomBytes(32).toString('hex')),
        pickFiles: async () => [],
        watch: false,
        s3Runtime: { retry: { attempts: 1, baseMs: 0, maxMs: 0 } },
      });
      const { cfg } = await freshBucket(inject('s3Endpoint'));
      const { accessKeyId: _a, secretAccessKey: _s, ...dest } = cfg;
      const config = stationConfigSchema.parse({
        destinations: { origin: dest },
        origin: 'origin',
        workDir: join(userDataDir, 'work'),
        profile: 'preview',
        segmentSeconds: 2,
      });
      await engine.handlers.saveSettings({
        config,
        credentials: { origin: { accessKeyId: KEY_ID, secretAccessKey: SECRET } },
      });
      const view = await engine.handlers.getSettings();
      expect(view.credentials.origin).toEqual({ accessKeyIdHint: `…${KEY_ID.slice(-4)}` });
      const test = await engine.handlers.testDestination('origin', dest, {
        accessKeyId: KEY_ID,
        secretAccessKey: SECRET,
      });
      expect(test.ok).toBe(false);
      const [job] = await engine.handlers.addMasters([await makeMaster({ seconds: 2 })]);
      const failed = await engine.station().queue.waitFor(job!.id);
      expect(failed.state).toBe('failed');
      expect(failed.error!.message).toMatch(/InvalidAccessKeyId/);
      await engine.close();
      engine = undefined;
      expectNoSecret(JSON.stringify(view), 'the settings view');
      expectNoSecret(JSON.stringify(test), 'the connection test result');
      expectNoSecret(JSON.stringify(failed), 'the failed job');
      expectNoSecret(
        await allText(userDataDir),
        'the user-data folder (settings, sealed credentials, journals, reports)',
      );
      expectNoSecret(printed, 'what the engine printed and logged');
    });

    it('a settings.json edited by hand with a syntax error: the error gives the position only', async () => {
      const userDataDir = join(dir, 'app-hand');
      await mkdir(userDataDir, { recursive: true });
      await writeFile(
        join(userDataDir, 'settings.json'),
        `{"destinations": {"o": {"type": "s3", "bucket": "films", "secretAccessKey": ${SECRET}}}}`,
      );
      const err = await openAppEngine({
        userDataDir,
        documentsDir: dir,
        secretBox: testSecretBox(randomBytes(32).toString('hex')),
        pickFiles: async () => [],
        watch: false,
      }).then(
        () => undefined,
        (e: Error) => e.message,
      );
      expect(err).toMatch(/settings\.json is not valid JSON: \w+ at line 1, column \d+/);
      expectNoSecret(err ?? '', 'the error');
    });
  });
});

describe('credentials are bound to their destination', () => {
  let capture: Server;
  let seen: string[] = [];
  let port = 0;
  beforeAll(async () => {
    // A host of the renderer's choosing: it records any request and what it was signed with.
    capture = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      res.writeHead(500).end();
    });
    await new Promise<void>((r) => capture.listen(0, '127.0.0.1', r));
    port = (capture.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => capture.close(() => r())));

  it("a test without typed credentials tests the saved destination: the renderer's endpoint and bucket get nothing", async () => {
    seen = [];
    const userDataDir = join(dir, 'bound');
    await mkdir(userDataDir, { recursive: true });
    const engine = await openAppEngine({
      userDataDir,
      documentsDir: dir,
      secretBox: testSecretBox(randomBytes(32).toString('hex')),
      pickFiles: async () => [],
      watch: false,
    });
    try {
      const { cfg } = await freshBucket(inject('s3Endpoint'));
      const { accessKeyId: _a, secretAccessKey: _s, ...saved } = cfg;
      const config = stationConfigSchema.parse({
        destinations: { origin: saved },
        origin: 'origin',
        workDir: join(userDataDir, 'work'),
      });
      await engine.handlers.saveSettings({ config, credentials: { origin: TEST_CREDENTIALS } });
      const hostile: S3DestinationConfig = {
        ...saved,
        endpoint: `http://127.0.0.1:${port}`,
        bucket: 'attacker-bucket',
      };
      const r = await engine.handlers.testDestination('origin', hostile, null);
      expect(seen).toEqual([]);
      expect(r.ok).toBe(true); // the saved radosgw destination, with its stored credentials
      expect(r.note).toMatch(/^Tested the saved destination with its stored credentials/);
      expect(r.steps[0]!.step).toContain(saved.bucket);

      // Saving the destination pointed elsewhere without typing credentials drops them.
      await engine.handlers.saveSettings({
        config: stationConfigSchema.parse({ ...config, destinations: { origin: hostile } }),
        credentials: {},
      });
      expect((await engine.handlers.getSettings()).credentials).toEqual({});
      await engine.handlers.testDestination('origin', hostile, null);
      expect(seen.some((s) => s.includes(TEST_CREDENTIALS.accessKeyId))).toBe(false);
    } finally {
      await engine.close();
    }
  });

  it('plain http only to this machine', () => {
    expect(
      stationConfigSchema.safeParse({
        destinations: { o: { type: 's3', bucket: 'films', endpoint: 'http://s3.example.com' } },
        origin: 'o',
      }).success,
    ).toBe(false);
  });
});
