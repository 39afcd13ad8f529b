/**
 * The app's settings store with a real AES-GCM box standing in for safeStorage: secrets never reach
 * settings.json or the view, survive a reload, can be forgotten, and are refused without a box.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stationConfigSchema, type StationConfig } from '../../electron/common/config';
import { settingsUpdateSchema } from '../../electron/common/settings';
import { SettingsStore } from '../../electron/engine/settings/settings-store';
import { defaultAppConfig } from '../../electron/engine/app-engine';
import { testSecretBox } from '../helpers/test-secret-box';
import { tempDir } from '../helpers/station';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY';
const KEY_ID = 'AKIAEXAMPLEKEY4321';

function s3Config(): StationConfig {
  return stationConfigSchema.parse({
    destinations: {
      b2: { type: 's3', preset: 'b2', region: 'us-west-004', bucket: 'films-origin' },
      local: { type: 'folder', path: '/srv/out' },
    },
    origin: 'b2',
  });
}

async function allFiles(dir: string): Promise<string> {
  return (await readFile(join(dir, 'settings.json'), 'utf8')) + (await readFile(join(dir, 'credentials.json'), 'utf8'));
}

describe('settings store', () => {
  it('keeps secrets out of settings.json and the view; the station still gets them', async () => {
    const dir = await tempDir();
    const key = randomBytes(32).toString('hex');
    const store = new SettingsStore(dir, testSecretBox(key), () => defaultAppConfig(dir, dir));
    expect((await store.load()).origin).toBe('local'); // nothing saved yet: the default folder
    await store.save({ config: s3Config(), credentials: { b2: { accessKeyId: KEY_ID, secretAccessKey: SECRET } } });

    const onDisk = await allFiles(dir);
    for (const s of [SECRET, KEY_ID, Buffer.from(SECRET).toString('base64')]) expect(onDisk).not.toContain(s);
    const view = await store.view();
    expect(JSON.stringify(view)).not.toContain(SECRET);
    expect(JSON.stringify(view)).not.toContain(KEY_ID);
    expect(view.credentials).toEqual({ b2: { accessKeyIdHint: '…4321' } });

    // A new store on the same folder (the app restarted) decrypts them for the station.
    const again = new SettingsStore(dir, testSecretBox(key), () => defaultAppConfig(dir, dir));
    const cfg = await again.load();
    expect(cfg.destinations.b2).toMatchObject({ accessKeyId: KEY_ID, secretAccessKey: SECRET });

    // Saving without credentials keeps them; null forgets them.
    await again.save({ config: { ...s3Config(), segmentSeconds: 4 }, credentials: {} });
    expect((await again.load()).destinations.b2).toMatchObject({ secretAccessKey: SECRET });
    await again.save({ config: s3Config(), credentials: { b2: null } });
    expect((await again.load()).destinations.b2).not.toHaveProperty('secretAccessKey');
  });

  it("the farm's password: sealed, never in settings.json or the view, handed over only for the same farm", async () => {
    const dir = await tempDir();
    const key = randomBytes(32).toString('hex');
    const store = new SettingsStore(dir, testSecretBox(key), () => defaultAppConfig(dir, dir));
    const withFarm = (url: string): StationConfig => ({ ...s3Config(), farm: { url } });
    const PASSWORD = 'farm-p@ss/word';
    await store.save({ config: withFarm('redis://farm-redis:6379'), credentials: {}, farmPassword: PASSWORD });
    const onDisk = await allFiles(dir);
    expect(onDisk).not.toContain(PASSWORD);
    expect(onDisk).not.toContain(encodeURIComponent(PASSWORD));
    const view = await store.view();
    expect(view.farmPasswordStored).toBe(true);
    expect(JSON.stringify(view)).not.toContain(encodeURIComponent(PASSWORD));
    // The station connects with it in the URL; nothing else sees it.
    const url = new URL(
      (await new SettingsStore(dir, testSecretBox(key), () => defaultAppConfig(dir, dir)).load()).farm!.url,
    );
    expect(decodeURIComponent(url.password)).toBe(PASSWORD);
    // Kept across a save that does not touch it; not handed to another farm; forgotten with null or with the farm.
    await store.save({ config: withFarm('redis://farm-redis:6379/0'), credentials: {} });
    expect(new URL((await store.load()).farm!.url).password).not.toBe('');
    await store.save({ config: withFarm('redis://elsewhere:6379'), credentials: {} });
    expect(new URL((await store.load()).farm!.url).password).toBe('');
    expect((await store.view()).farmPasswordStored).toBeUndefined();
    await store.save({ config: withFarm('redis://farm-redis:6379'), credentials: {}, farmPassword: PASSWORD });
    await store.save({ config: withFarm('redis://farm-redis:6379'), credentials: {}, farmPassword: null });
    expect(new URL((await store.load()).farm!.url).password).toBe('');
    await store.save({ config: withFarm('redis://farm-redis:6379'), credentials: {}, farmPassword: PASSWORD });
    await store.save({ config: s3Config(), credentials: {} });
    expect(await readFile(join(dir, 'credentials.json'), 'utf8')).not.toContain('@farm');
    // The URL in settings can never carry a password of its own.
    expect(
      stationConfigSchema.safeParse({ ...s3Config(), farm: { url: 'redis://:secret@farm-redis:6379' } }).success,
    ).toBe(false);
  });

  it('refuses credentials when the platform has no secure storage, and writes nothing', async () => {
    const dir = await tempDir();
    const store = new SettingsStore(dir, testSecretBox(randomBytes(32).toString('hex'), false), () =>
      defaultAppConfig(dir, dir),
    );
    await expect(
      store.save({ config: s3Config(), credentials: { b2: { accessKeyId: KEY_ID, secretAccessKey: SECRET } } }),
    ).rejects.toThrow(/Credentials for "b2" were not saved: this system offers no secure storage \(basic_text\)/);
    await expect(readFile(join(dir, 'settings.json'))).rejects.toThrow(/ENOENT/);
  });

  it('moves clear-text credentials out of a hand-written settings.json', async () => {
    const dir = await tempDir();
    const cfg = s3Config();
    await writeFile(
      join(dir, 'settings.json'),
      JSON.stringify({
        ...cfg,
        destinations: {
          ...cfg.destinations,
          b2: { ...cfg.destinations.b2, accessKeyId: KEY_ID, secretAccessKey: SECRET },
        },
      }),
    );
    const store = new SettingsStore(dir, testSecretBox(randomBytes(32).toString('hex')), () =>
      defaultAppConfig(dir, dir),
    );
    expect((await store.load()).destinations.b2).toMatchObject({ secretAccessKey: SECRET });
    expect(await allFiles(dir)).not.toContain(SECRET);
  });

  it('credentials sealed for another machine count as not stored; a removed destination forgets its own', async () => {
    const dir = await tempDir();
    const store = new SettingsStore(dir, testSecretBox(randomBytes(32).toString('hex')), () =>
      defaultAppConfig(dir, dir),
    );
    await store.save({ config: s3Config(), credentials: { b2: { accessKeyId: KEY_ID, secretAccessKey: SECRET } } });
    const other = new SettingsStore(dir, testSecretBox(randomBytes(32).toString('hex')), () =>
      defaultAppConfig(dir, dir),
    );
    expect((await other.view()).credentials).toEqual({});
    const { b2: _gone, ...rest } = s3Config().destinations;
    await store.save({ config: { ...s3Config(), destinations: rest, origin: 'local' }, credentials: {} });
    expect(JSON.parse(await readFile(join(dir, 'credentials.json'), 'utf8'))).toEqual({});
  });

  it('the IPC schema rejects credentials smuggled inside the config', () => {
    const cfg = s3Config();
    const bad = {
      config: {
        ...cfg,
        destinations: { ...cfg.destinations, b2: { ...cfg.destinations.b2, secretAccessKey: SECRET } },
      },
      credentials: {},
    };
    const r = settingsUpdateSchema.safeParse(bad);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe('credentials go in "credentials", never in the config');
  });

  it('a damaged credentials.json is kept aside, never overwritten; the operator is told; the next save writes a fresh file', async () => {
    const dir = await tempDir();
    const key = randomBytes(32).toString('hex');
    const store = new SettingsStore(dir, testSecretBox(key), () => defaultAppConfig(dir, dir));
    await store.save({ config: s3Config(), credentials: { b2: { accessKeyId: KEY_ID, secretAccessKey: SECRET } } });
    const sealed = await readFile(join(dir, 'credentials.json'), 'utf8');
    // A bit flipped on disk, or an edit by hand: the file no longer parses.
    const damaged = sealed.slice(0, sealed.length - 5);
    await writeFile(join(dir, 'credentials.json'), damaged);

    const after = new SettingsStore(dir, testSecretBox(key), () => defaultAppConfig(dir, dir));
    expect((await after.view()).credentials).toEqual({});
    // An unrelated save (the operator changed the profile) writes nothing over the damaged file.
    await after.save({ config: { ...s3Config(), profile: 'preview' }, credentials: {} });
    const { readdir } = await import('node:fs/promises');
    const kept = (await readdir(dir)).filter((n) => n.startsWith('credentials.json.unreadable-'));
    expect(kept).toHaveLength(1);
    expect(await readFile(join(dir, kept[0]!), 'utf8')).toBe(damaged);
    expect(after.notices).toEqual([
      expect.stringMatching(
        /The stored credentials could not be read .*credentials\.json is damaged.*It was kept as .*credentials\.json\.unreadable-\d{4}-.*, untouched; enter the credentials again/,
      ),
    ]);
    expect(JSON.parse(await readFile(join(dir, 'credentials.json'), 'utf8'))).toEqual({});
  });
});

describe('SPEKE headers in the app settings (issue #25)', () => {
  const TOKEN = 'speke-token-7f3a9c1e5b';
  const withSpeke = (url = 'https://keys.example/speke', headers?: Record<string, string>): StationConfig =>
    stationConfigSchema.parse({
      ...s3Config(),
      drm: { enabled: true, keyProvider: { type: 'speke', url, ...(headers ? { headers } : {}) } },
    });

  it('sealed apart, bound to the provider URL, handed to the station only; refused in the config', async () => {
    const dir = await tempDir();
    const key = randomBytes(32).toString('hex');
    const store = new SettingsStore(dir, testSecretBox(key), () => defaultAppConfig(dir, dir));
    expect(
      settingsUpdateSchema.safeParse({ config: withSpeke(undefined, { 'x-api-key': TOKEN }) }).error?.issues[0]
        ?.message,
    ).toMatch(/go in "spekeHeaders" \(sealed\)/);
    await store.save({ config: withSpeke(), credentials: {}, spekeHeaders: { 'x-api-key': TOKEN } });
    const onDisk = await allFiles(dir);
    for (const s of [TOKEN, Buffer.from(TOKEN).toString('base64')]) expect(onDisk).not.toContain(s);
    const view = await store.view();
    expect(JSON.stringify(view)).not.toContain(TOKEN);
    expect(view.spekeHeadersStored).toEqual(['x-api-key']);
    const loaded = await new SettingsStore(dir, testSecretBox(key), () => defaultAppConfig(dir, dir)).load();
    expect(loaded.drm?.keyProvider).toMatchObject({ type: 'speke', headers: { 'x-api-key': TOKEN } });
    // Pointed at another provider, the token is not sent there: dropped unless typed again.
    await store.save({ config: withSpeke('https://elsewhere.example/speke'), credentials: {} });
    const moved = await store.load();
    expect(moved.drm?.keyProvider).not.toHaveProperty('headers');
    expect((await store.view()).spekeHeadersStored).toBeUndefined();
  });

  it('a token written into settings.json by hand moves to the sealed store on load', async () => {
    const dir = await tempDir();
    const key = randomBytes(32).toString('hex');
    await writeFile(
      join(dir, 'settings.json'),
      JSON.stringify(withSpeke(undefined, { 'x-api-key': TOKEN, 'x-ref': 'env:X' })),
    );
    const store = new SettingsStore(dir, testSecretBox(key), () => defaultAppConfig(dir, dir));
    const cfg = await store.load();
    expect(cfg.drm?.keyProvider).toMatchObject({ headers: { 'x-api-key': TOKEN, 'x-ref': 'env:X' } });
    const settings = await readFile(join(dir, 'settings.json'), 'utf8');
    expect(settings).not.toContain(TOKEN);
    expect(settings).toContain('env:X');
  });
});
