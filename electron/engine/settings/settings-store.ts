/**
 * The app's settings: settings.json (the station config, never a credential) and credentials.json
 * (per destination, the access key id and secret, each encrypted by the SecretBox, base64). Both
 * are written atomically. A settings.json that still holds credentials in clear (written by hand,
 * or by an older version) is migrated on load: the secrets move to the box and leave the file.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeZodError, stationConfigSchema, type StationConfig } from '../../common/config.js';
import { keyHint, type Credentials, type SettingsUpdate, type SettingsView } from '../../common/settings.js';
import { StationError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { SecretBox } from './secret-box.js';

type SealedStore = Record<string, { accessKeyId: string; secretAccessKey: string }>;

export function withoutCredentials(config: StationConfig): StationConfig {
  const destinations = Object.fromEntries(
    Object.entries(config.destinations).map(([name, d]) => {
      if (d.type !== 's3') return [name, d];
      const { accessKeyId: _a, secretAccessKey: _s, ...rest } = d;
      return [name, rest];
    }),
  );
  return { ...config, destinations };
}

export class SettingsStore {
  readonly settingsFile: string;
  readonly credentialsFile: string;

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
      if (d.type === 's3' && d.accessKeyId && d.secretAccessKey) clear[name] = { accessKeyId: d.accessKeyId, secretAccessKey: d.secretAccessKey };
    }
    if (Object.keys(clear).length > 0 && this.box.isAvailable()) {
      await this.save({ config: withoutCredentials(config), credentials: clear });
      return this.load();
    }
    const destinations = Object.fromEntries(
      Object.entries(config.destinations).map(([name, d]) => {
        const c = creds[name];
        return [name, d.type === 's3' && c ? { ...d, ...c } : d];
      }),
    );
    return { ...config, destinations };
  }

  async view(): Promise<SettingsView> {
    const config = withoutCredentials(await this.readConfig());
    const sealed = await this.readSealed();
    const credentials: SettingsView['credentials'] = {};
    for (const name of Object.keys(sealed)) {
      if (!(name in config.destinations)) continue;
      const c = this.open(name, sealed);
      if (c) credentials[name] = { accessKeyIdHint: keyHint(c.accessKeyId) };
    }
    return { config, credentials, secretStorage: { available: this.box.isAvailable(), backend: this.box.backend() } };
  }

  /** Stored credentials of one destination (for "test connection" before saving). */
  async credentialsFor(name: string): Promise<Credentials | undefined> {
    return this.open(name, await this.readSealed());
  }

  async save(update: SettingsUpdate): Promise<void> {
    const config = withoutCredentials(stationConfigSchema.parse(update.config));
    const sealed = await this.readSealed();
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
      sealed[name] = {
        accessKeyId: this.box.encrypt(c.accessKeyId).toString('base64'),
        secretAccessKey: this.box.encrypt(c.secretAccessKey).toString('base64'),
      };
    }
    // Credentials of destinations that no longer exist are forgotten.
    for (const name of Object.keys(sealed)) if (!(name in config.destinations)) delete sealed[name];
    await writeFileAtomic(this.credentialsFile, JSON.stringify(sealed, null, 2) + '\n');
    await writeFileAtomic(this.settingsFile, JSON.stringify(config, null, 2) + '\n');
  }

  private async readConfig(): Promise<StationConfig> {
    let text: string;
    try {
      text = await readFile(this.settingsFile, 'utf8');
    } catch {
      return this.fallback();
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new StationError(`Settings file ${this.settingsFile} is not valid JSON: ${(err as Error).message}`, 'config-invalid');
    }
    const parsed = stationConfigSchema.safeParse(raw);
    if (!parsed.success) throw new StationError(`Settings file ${this.settingsFile} is invalid: ${describeZodError(parsed.error)}`, 'config-invalid');
    return parsed.data;
  }

  private async readSealed(): Promise<SealedStore> {
    try {
      return JSON.parse(await readFile(this.credentialsFile, 'utf8')) as SealedStore;
    } catch {
      return {};
    }
  }

  private async readCredentials(): Promise<Record<string, Credentials>> {
    const sealed = await this.readSealed();
    const out: Record<string, Credentials> = {};
    for (const name of Object.keys(sealed)) {
      const c = this.open(name, sealed);
      if (c) out[name] = c;
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
