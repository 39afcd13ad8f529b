/**
 * Studio DRM as the station runs it (issue #25): the config's `drm` section turned into a key
 * provider, the key plan a job keeps, and the one TitleEncryptor per title the stages share.
 *
 * Keys are fetched once per title, before anything is encoded into the package or sent (the claim
 * stage calls `prepare`): the key IDs are planned then and kept on the job (`job.drm`) with a check
 * value per key — never a content key. A resumed job, in this process or the next, asks the provider
 * for the same key IDs again (`encryptor`), and `fetchKeys` stops it when an answer differs from the
 * first. Content keys live in memory only; local keys are sealed at rest (drm/local-keys.ts) and
 * exported as CPIX for the platform's key server; SPEKE headers are never in a message or a log.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { DrmConfig } from '../../common/config.js';
import type { JobDrm } from '../../common/jobs.js';
import { safeFileName } from '../../common/title.js';
import { CpixFileProvider } from './cpix-file.js';
import { fetchKeys, type KeyProvider } from './key-provider.js';
import { DrmError, type DrmOptions, type KeyPlan } from './keys.js';
import { LocalKeyProvider, type KeySeal } from './local-keys.js';
import { SpekeProvider } from './speke.js';
import { TitleEncryptor } from './title-encryptor.js';

export interface StationDrmOptions {
  config: DrmConfig;
  /** Where local keys are kept sealed and their CPIX exports written (owner-only). */
  keysDir: string;
  /** How local keys are sealed at rest (safeStorage in the app, an owner-only station key for the CLI). */
  seal: KeySeal;
  /** Relative file names in the config resolve against this folder. */
  baseDir: string;
  /** A farm worker: local keys cannot be shared between stations. */
  farmWorker?: boolean;
  /** The environment "env:NAME" header values are read from. */
  env?: NodeJS.ProcessEnv;
}

/** What the title's identity is to the key provider: `<titleId>--<version>` (CPIX contentId). */
export interface TitleRef {
  id: string;
  titleId: string;
  version: string;
  /** Segments the title will have (for key periods with rotation). */
  segments: number;
  drm?: JobDrm;
}

/** The options the plan records (scheme, systems, key split, clear lead, rotation). */
export function drmOptionsOf(config: DrmConfig): DrmOptions {
  return {
    scheme: config.scheme,
    systems: [...config.systems],
    trackKeys: config.trackKeys,
    ...(config.rotateEvery ? { rotateEvery: config.rotateEvery } : {}),
    ...(config.clearLead ? { clearLead: config.clearLead } : {}),
  };
}

/** The sentence a farm worker gives for a title that asks for local keys. */
export const FARM_LOCAL_KEYS =
  "this DRM title asks for local keys, which live sealed on one station: a farm worker cannot have them — set drm.keyProvider to the platform's SPEKE service or a CPIX file every worker can read, or deliver the title from a single station";

export class StationDrm {
  private readonly encryptors = new Map<string, Promise<TitleEncryptor>>();
  private readonly local: LocalKeyProvider;

  constructor(private readonly o: StationDrmOptions) {
    this.local = new LocalKeyProvider(o.keysDir, o.seal);
  }

  get options(): DrmOptions {
    return drmOptionsOf(this.o.config);
  }

  /** The provider of one title (a CPIX file is named per title). */
  async provider(title: Pick<TitleRef, 'titleId' | 'version'>): Promise<KeyProvider> {
    const p = this.o.config.keyProvider;
    if (p.type === 'local') {
      if (this.o.farmWorker) throw new DrmError(FARM_LOCAL_KEYS, 'drm-farm-local');
      return this.local;
    }
    if (p.type === 'cpix') {
      const file = p.file.replace(/\{titleId\}/g, safeFileName(title.titleId)).replace(/\{version\}/g, title.version);
      return new CpixFileProvider({ file: resolve(this.o.baseDir, file) });
    }
    return new SpekeProvider({
      url: p.url,
      headers: this.headers(p.headers ?? {}),
      ...(p.caFile ? { ca: await readFile(resolve(this.o.baseDir, p.caFile), 'utf8') } : {}),
      ...(p.timeoutSeconds ? { timeoutMs: p.timeoutSeconds * 1000 } : {}),
    });
  }

  private headers(given: Record<string, string>): Record<string, string> {
    const env = this.o.env ?? process.env;
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(given)) {
      const from = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(value)?.[1];
      const v = from ? env[from] : value;
      if (v === undefined)
        throw new DrmError(
          `the SPEKE header ${name} is to come from the environment variable ${from}, which is not set`,
          'drm-config',
        );
      out[name] = v;
    }
    return out;
  }

  /**
   * Before anything is encrypted or sent: the title's key IDs planned (once; a retry keeps them),
   * the keys fetched and checked, a local title's CPIX export written. Returns what the job keeps.
   */
  async prepare(title: TitleRef, signal?: AbortSignal): Promise<JobDrm> {
    const provider = await this.provider(title);
    const contentId = `${title.titleId}--${title.version}`;
    const plan: KeyPlan =
      title.drm?.plan ??
      (await (provider.plan?.(this.options, contentId, title.segments) ??
        Promise.reject(new DrmError(`${provider.label} cannot plan key IDs`, 'drm-config'))));
    const { keys, checks } = await fetchKeys(provider, plan, signal);
    const kept: KeyPlan = { ...plan, checks };
    const encryptor = new TitleEncryptor(kept, keys);
    this.encryptors.set(title.id, Promise.resolve(encryptor));
    const exported =
      provider === this.local
        ? await this.local.exportCpix(kept, keys, keys.systems, await this.recipient())
        : undefined;
    return {
      plan: kept,
      provider: provider.label,
      providerType: this.o.config.keyProvider.type,
      ...(exported ? { export: exported } : {}),
    };
  }

  private async recipient(): Promise<string | undefined> {
    const p = this.o.config.keyProvider;
    return p.type === 'local' && p.recipientCertFile
      ? readFile(resolve(this.o.baseDir, p.recipientCertFile), 'utf8')
      : undefined;
  }

  /**
   * The title's encryptor: the one `prepare` made, or — a resumed job in a new process — the same key
   * IDs asked of the provider again, each answer checked against the job's check values.
   */
  encryptor(
    title: Pick<TitleRef, 'id' | 'titleId' | 'version' | 'drm'>,
    signal?: AbortSignal,
  ): Promise<TitleEncryptor> {
    let e = this.encryptors.get(title.id);
    if (!e) {
      const drm = title.drm;
      if (!drm) throw new DrmError(`job ${title.id} is a DRM title without a key plan: retry it from the claim`);
      e = (async () => {
        const { keys } = await fetchKeys(await this.provider(title), drm.plan, signal);
        return new TitleEncryptor(drm.plan, keys);
      })();
      this.encryptors.set(title.id, e);
      e.catch(() => this.encryptors.delete(title.id));
    }
    return e;
  }

  /** A title that ended: its keys leave memory. */
  forget(jobId: string): void {
    this.encryptors.delete(jobId);
  }
}

/** The key IDs of a job, with the track type each protects (for --json, the job detail and the manifest). */
export function keyIdsOf(drm: JobDrm): Array<{ kid: string; trackType: string; period: number }> {
  return drm.plan.slots.map((s) => ({
    kid: s.kid,
    trackType: drm.plan.options.trackKeys === 'single' ? 'all' : s.trackType,
    period: s.period,
  }));
}
