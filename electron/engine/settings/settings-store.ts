/**
 * The app's settings: settings.json (the station config, never a credential) and credentials.json
 * (per destination, the access key id and secret, each encrypted by the SecretBox, base64). Both
 * are written atomically. A settings.json that still holds credentials in clear (written by hand,
 * or by an older version) is migrated on load: the secrets move to the box and leave the file.
 *
 * Credentials are bound to where they may be sent (the destination's store and bucket, see
 * credentialBinding): saving a destination with another endpoint or bucket drops its stored
 * credentials unless new ones are typed, and credentials whose binding no longer matches the
 * config (settings.json edited by hand) are not handed to the station.
 *
 * A credentials.json that cannot be read (damaged, edited by hand, not the shape this version
 * writes) is never written over: it is renamed aside with the time in its name, the operator is
 * told (`notices`: the footer and the log) and the station goes on as if none were stored — the
 * next save writes a fresh file instead of `{}` over every sealed credential. One the station may
 * not read at all (its permissions) stops every save with a sentence.
 */
import { readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import {
  credentialBinding,
  describeZodError,
  stationConfigSchema,
  type DestinationConfig,
  type StationConfig,
} from '../../common/config.js';
import { parseJsonText } from '../util/json-text.js';
import { keyHint, type Credentials, type SettingsUpdate, type SettingsView } from '../../common/settings.js';
import { StationError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { SecretBox } from './secret-box.js';

const sealedStoreSchema = z.record(
  z.string(),
  z.object({
    accessKeyId: z.string(),
    secretAccessKey: z.string(),
    /** credentialBinding() when sealed. */
    boundTo: z.string().optional(),
  }),
);
type SealedStore = z.infer<typeof sealedStoreSchema>;

const bindingOf = (d: DestinationConfig | undefined): string | undefined =>
  d?.type === 's3' ? credentialBinding(d) : undefined;

/** Where the farm's password is sealed (not a destination name: those cannot start with "@"). */
const FARM = '@farm';
/** Where the SPEKE key provider's headers are sealed, bound to the provider's URL. */
const SPEKE = '@speke';
const SPECIAL = new Set([FARM, SPEKE]);
const spekeBinding = (config: StationConfig): string | undefined => {
  const p = config.drm?.keyProvider;
  return p?.type === 'speke' ? p.url : undefined;
};

/** The headers the station sends: the sealed ones, then the config's "env:" references. */
function withSpekeHeaders(config: StationConfig, sealed: Record<string, string>): StationConfig {
  const p = config.drm!.keyProvider;
  if (p.type !== 'speke') return config;
  return { ...config, drm: { ...config.drm!, keyProvider: { ...p, headers: { ...sealed, ...p.headers } } } };
}

/** The config with the SPEKE headers that are not "env:" references taken out (they are sealed apart). */
function withoutSpekeHeaders(config: StationConfig): { config: StationConfig; plain: Record<string, string> } {
  const p = config.drm?.keyProvider;
  if (p?.type !== 'speke' || !p.headers) return { config, plain: {} };
  const plain = Object.fromEntries(Object.entries(p.headers).filter(([, v]) => !v.startsWith('env:')));
  const kept = Object.fromEntries(Object.entries(p.headers).filter(([, v]) => v.startsWith('env:')));
  const { headers: _h, ...rest } = p;
  return {
    config: {
      ...config,
      drm: { ...config.drm!, keyProvider: Object.keys(kept).length ? { ...rest, headers: kept } : rest },
    },
    plain,
  };
}

/** The farm password belongs to the farm's host and port: pointed elsewhere, it is not sent there. */
const farmBinding = (config: StationConfig): string | undefined => {
  if (!config.farm) return undefined;
  const u = new URL(config.farm.url);
  return `${u.protocol}//${u.hostname.toLowerCase()}:${u.port || '6379'}`;
};

/** The farm URL with the password in it: what the station connects with (never written anywhere). */
function withFarmPassword(config: StationConfig, password: string): StationConfig {
  const u = new URL(config.farm!.url);
  u.password = encodeURIComponent(password);
  return { ...config, farm: { url: u.toString() } };
}

export function destinationWithoutCredentials(d: DestinationConfig): DestinationConfig {
  if (d.type !== 's3') return d;
  const { accessKeyId: _a, secretAccessKey: _s, ...rest } = d;
  return rest;
}

export function withoutCredentials(config: StationConfig): StationConfig {
  const destinations = Object.fromEntries(
    Object.entries(config.destinations).map(([name, d]) => [name, destinationWithoutCredentials(d)]),
  );
  return { ...config, destinations };
}

export class SettingsStore {
  readonly settingsFile: string;
  readonly credentialsFile: string;
  /** What the operator must know about the stored settings (a credentials file kept aside), newest last. */
  readonly notices: string[] = [];

  constructor(
    private readonly dir: string,
    private readonly box: SecretBox,
    /** The config used before the operator saved any (a folder destination under Documents). */
    private readonly fallback: () => StationConfig,
  ) {
    this.settingsFile = join(dir, 'settings.json');
    this.credentialsFile = join(dir, 'credentials.json');
  }

  /** The config with credentials decrypted: what the station runs with. Never sent to the renderer. */
  async load(): Promise<StationConfig> {
    const config = await this.readConfig();
    const creds = await this.readCredentials();
    // Migrate clear-text credentials out of settings.json.
    const clear: Record<string, Credentials> = {};
    for (const [name, d] of Object.entries(config.destinations)) {
      if (d.type === 's3' && d.accessKeyId && d.secretAccessKey)
        clear[name] = { accessKeyId: d.accessKeyId, secretAccessKey: d.secretAccessKey };
    }
    const speke = withoutSpekeHeaders(config);
    if ((Object.keys(clear).length > 0 || Object.keys(speke.plain).length > 0) && this.box.isAvailable()) {
      await this.save({
        config: withoutCredentials(speke.config),
        credentials: clear,
        ...(Object.keys(speke.plain).length ? { spekeHeaders: speke.plain } : {}),
      });
      return this.load();
    }
    const destinations = Object.fromEntries(
      Object.entries(config.destinations).map(([name, d]) => {
        const c = creds[name];
        return [
          name,
          d.type === 's3' && c && c.boundTo === credentialBinding(d)
            ? { ...d, accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey }
            : d,
        ];
      }),
    );
    const farm = creds[FARM];
    const headers = creds[SPEKE];
    let out: StationConfig = { ...config, destinations };
    if (farm && config.farm && farm.boundTo === farmBinding(config)) out = withFarmPassword(out, farm.secretAccessKey);
    if (headers && headers.boundTo === spekeBinding(config))
      out = withSpekeHeaders(out, JSON.parse(headers.secretAccessKey) as Record<string, string>);
    return out;
  }

  async view(): Promise<SettingsView> {
    const config = withoutCredentials(await this.readConfig());
    const sealed = await this.readSealed();
    const credentials: SettingsView['credentials'] = {};
    const farmStored =
      sealed[FARM] !== undefined &&
      sealed[FARM].boundTo === farmBinding(config) &&
      this.open(FARM, sealed) !== undefined;
    for (const name of Object.keys(sealed)) {
      if (!(name in config.destinations)) continue;
      const c = this.open(name, sealed);
      const boundTo = sealed[name]!.boundTo;
      if (c)
        credentials[name] = {
          accessKeyIdHint: keyHint(c.accessKeyId),
          ...(boundTo !== undefined && boundTo !== bindingOf(config.destinations[name]) ? { unbound: true } : {}),
        };
    }
    const headers = sealed[SPEKE]?.boundTo === spekeBinding(config) ? this.open(SPEKE, sealed) : undefined;
    return {
      config,
      credentials,
      saved: await this.saved(),
      ...(farmStored ? { farmPasswordStored: true } : {}),
      ...(headers ? { spekeHeadersStored: Object.keys(JSON.parse(headers.secretAccessKey) as object) } : {}),
      secretStorage: { available: this.box.isAvailable(), backend: this.box.backend() },
    };
  }

  /** Settings were saved once (settings.json exists): the operator has chosen the origin. A first run has not. */
  async saved(): Promise<boolean> {
    return stat(this.settingsFile).then(
      () => true,
      () => false,
    );
  }

  /**
   * The saved destination and its stored credentials, only where they are bound to it: what
   * "Test connection" without typed credentials tests (never an endpoint the renderer names).
   */
  async savedDestination(
    name: string,
  ): Promise<{ destination: DestinationConfig; credentials?: Credentials } | undefined> {
    const destination = (await this.readConfig()).destinations[name];
    if (!destination) return undefined;
    const c = (await this.readCredentials())[name];
    return c && c.boundTo === bindingOf(destination)
      ? { destination, credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey } }
      : { destination };
  }

  async save(update: SettingsUpdate): Promise<void> {
    const config = withoutSpekeHeaders(withoutCredentials(stationConfigSchema.parse(update.config))).config;
    const sealed = await this.readSealed();
    // A destination pointed at another store or bucket loses the credentials sealed for the old one.
    for (const [name, s] of Object.entries(sealed)) {
      if (SPECIAL.has(name)) continue;
      if (
        update.credentials[name] === undefined &&
        s.boundTo !== undefined &&
        s.boundTo !== bindingOf(config.destinations[name])
      )
        delete sealed[name];
    }
    // The farm's password: kept only for the same farm; replaced, forgotten, or dropped with the farm.
    if (
      update.farmPassword === null ||
      !config.farm ||
      (update.farmPassword === undefined && sealed[FARM]?.boundTo !== farmBinding(config))
    )
      delete sealed[FARM];
    if (typeof update.farmPassword === 'string') {
      if (!config.farm)
        throw new StationError(
          'A farm password was given but no farm URL: set the farm in Settings first',
          'config-farm-password',
        );
      if (!this.box.isAvailable())
        throw new StationError(
          `The farm password was not saved: this system offers no secure storage (${this.box.backend()}).`,
          'no-secret-storage',
        );
      sealed[FARM] = {
        accessKeyId: this.box.encrypt('-').toString('base64'),
        secretAccessKey: this.box.encrypt(update.farmPassword).toString('base64'),
        boundTo: farmBinding(config)!,
      };
    }
    this.sealSpekeHeaders(update, config, sealed);
    for (const [name, c] of Object.entries(update.credentials)) {
      if (c === null) {
        delete sealed[name];
        continue;
      }
      if (!this.box.isAvailable()) {
        throw new StationError(
          `Credentials for "${name}" were not saved: this system offers no secure storage (${this.box.backend()}). Use the SDK's default credentials (environment or profile) instead.`,
          'no-secret-storage',
        );
      }
      const boundTo = bindingOf(config.destinations[name]);
      sealed[name] = {
        accessKeyId: this.box.encrypt(c.accessKeyId).toString('base64'),
        secretAccessKey: this.box.encrypt(c.secretAccessKey).toString('base64'),
        ...(boundTo ? { boundTo } : {}),
      };
    }
    // Credentials of destinations that no longer exist are forgotten.
    for (const name of Object.keys(sealed))
      if (!SPECIAL.has(name) && !(name in config.destinations)) delete sealed[name];
    await writeFileAtomic(this.credentialsFile, JSON.stringify(sealed, null, 2) + '\n');
    await writeFileAtomic(this.settingsFile, JSON.stringify(config, null, 2) + '\n');
  }

  /** The SPEKE headers: kept only for the same provider URL; replaced, forgotten, or dropped with the provider. */
  private sealSpekeHeaders(update: SettingsUpdate, config: StationConfig, sealed: SealedStore): void {
    const bound = spekeBinding(config);
    if (
      update.spekeHeaders === null ||
      !bound ||
      (update.spekeHeaders === undefined && sealed[SPEKE]?.boundTo !== bound)
    )
      delete sealed[SPEKE];
    if (!update.spekeHeaders) return;
    if (!bound)
      throw new StationError(
        'SPEKE headers were given but the DRM key provider is not SPEKE: set drm.keyProvider first',
        'config-speke-headers',
      );
    if (!this.box.isAvailable())
      throw new StationError(
        `The SPEKE headers were not saved: this system offers no secure storage (${this.box.backend()}). Give them as "env:NAME" references instead.`,
        'no-secret-storage',
      );
    sealed[SPEKE] = {
      accessKeyId: this.box.encrypt('-').toString('base64'),
      secretAccessKey: this.box.encrypt(JSON.stringify(update.spekeHeaders)).toString('base64'),
      boundTo: bound,
    };
  }

  private async readConfig(): Promise<StationConfig> {
    let text: string;
    try {
      text = await readFile(this.settingsFile, 'utf8');
    } catch {
      return this.fallback();
    }
    const raw = parseJsonText(text, `Settings file ${this.settingsFile}`);
    const parsed = stationConfigSchema.safeParse(raw);
    if (!parsed.success)
      throw new StationError(
        `Settings file ${this.settingsFile} is invalid: ${describeZodError(parsed.error)}`,
        'config-invalid',
      );
    return parsed.data;
  }

  private async readSealed(): Promise<SealedStore> {
    let text: string;
    try {
      text = await readFile(this.credentialsFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new StationError(
        `${this.credentialsFile} cannot be read (${(err as Error).message}): nothing is saved over it. Give the station back its access to the file, then save again.`,
        'credentials-unreadable',
      );
    }
    let parsed: SealedStore | undefined;
    try {
      parsed = sealedStoreSchema.parse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    if (parsed) return parsed;
    await this.keepAside();
    return {};
  }

  /** Rename an unreadable credentials.json aside (never overwritten) and tell the operator. */
  private async keepAside(): Promise<void> {
    const aside = `${this.credentialsFile}.unreadable-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(this.credentialsFile, aside).catch((err: Error) => {
      throw new StationError(
        `${this.credentialsFile} is damaged and could not be kept aside (${err.message}): nothing is saved over it. Move it away yourself, then enter the credentials again.`,
        'credentials-unreadable',
      );
    });
    const notice = `The stored credentials could not be read (${this.credentialsFile} is damaged or not a credentials file). It was kept as ${aside}, untouched; enter the credentials again in Settings (or restore that file).`;
    this.notices.push(notice);
    console.error(notice);
  }

  /** Decrypted credentials per destination, with the binding they were sealed for. */
  private async readCredentials(): Promise<Record<string, Credentials & { boundTo?: string }>> {
    const sealed = await this.readSealed();
    const config = await this.readConfig();
    const out: Record<string, Credentials & { boundTo?: string }> = {};
    for (const [name, s] of Object.entries(sealed)) {
      const c = this.open(name, sealed);
      // Sealed before bindings existed: bound to the destination as it is configured now.
      if (c) out[name] = { ...c, boundTo: s.boundTo ?? bindingOf(config.destinations[name]) };
    }
    return out;
  }

  private open(name: string, sealed: SealedStore): Credentials | undefined {
    const s = sealed[name];
    if (!s) return undefined;
    try {
      return {
        accessKeyId: this.box.decrypt(Buffer.from(s.accessKeyId, 'base64')),
        secretAccessKey: this.box.decrypt(Buffer.from(s.secretAccessKey, 'base64')),
      };
    } catch {
      // Encrypted for another user or machine: treated as not stored, so the operator re-enters them.
      return undefined;
    }
  }
}
