/**
 * Local key provider: the station makes the content keys itself (random, 16 bytes) and keeps them
 * sealed at rest — one file per title and version, `<titleId>--<version>.drm.json`, owner-only,
 * holding per key ID the key sealed by a `KeySeal` and its check value. Sealing is the host's: the
 * app seals with Electron safeStorage (Keychain / DPAPI / libsecret, through the SecretBox it already
 * gives the engine — refused when the platform has none), the CLI with a station key in an
 * owner-only file beside its work folder (`fileKeySeal`). A key is written sealed before it is used,
 * so a resumed title finds the same keys; it is never uploaded and never written in clear.
 *
 * The export for the platform's key server is a CPIX document (drm/cpix.ts): key IDs, usage rules
 * and pssh, the keys only encrypted to the recipient certificate the operator names.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { safeFileName } from '../../common/title.js';
import type { SecretBox } from '../settings/secret-box.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { KeyedMutex } from '../util/keyed-mutex.js';
import { cpixExport } from './cpix.js';
import {
  DrmError,
  keyCheck,
  periodsFor,
  planKeys,
  type ContentKey,
  type DrmOptions,
  type KeyPlan,
  type KeySet,
  type SystemData,
} from './keys.js';
import type { KeyProvider } from './key-provider.js';

/** Seals content keys at rest; `aad` binds a sealed key to its key ID (a swapped entry does not open). */
export interface KeySeal {
  readonly kind: string;
  seal(plain: Buffer, aad: string): Promise<Buffer>;
  open(sealed: Buffer, aad: string): Promise<Buffer>;
}

/** The app's seal: Electron safeStorage through the engine's SecretBox. */
export function secretBoxSeal(box: SecretBox): KeySeal {
  const need = (): void => {
    if (!box.isAvailable())
      throw new DrmError(
        `this system offers no protected storage (${box.backend()}): local DRM keys cannot be kept sealed — use a SPEKE or CPIX key provider`,
        'drm-seal',
      );
  };
  return {
    kind: box.backend(),
    seal: (plain, aad) => {
      need();
      return Promise.resolve(box.encrypt(`${aad}\n${plain.toString('base64')}`));
    },
    open: (sealed, aad) => {
      need();
      const [bound, key] = box.decrypt(sealed).split('\n');
      if (bound !== aad || !key) throw new DrmError('a sealed DRM key belongs to another key ID', 'drm-seal');
      return Promise.resolve(Buffer.from(key, 'base64'));
    },
  };
}

/**
 * The CLI's seal: AES-256-GCM under a station key kept in an owner-only file (0600 in a 0700
 * folder), made on first use. Protects keys from anyone who cannot read the station's own files.
 */
export function fileKeySeal(path: string): KeySeal {
  let station: Promise<Buffer> | undefined;
  const key = (): Promise<Buffer> =>
    (station ??= (async () => {
      const existing = await readFile(path).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return undefined;
        throw new DrmError(
          `the station key ${path} cannot be read (${e.code ?? e.message}): the sealed DRM keys need it`,
          'drm-seal',
        );
      });
      if (existing?.length === 32) return existing;
      // A damaged station key is never replaced: a new one would make every key sealed under the old one unopenable.
      if (existing)
        throw new DrmError(
          `the station key ${path} is damaged (${existing.length} bytes, not 32): restore it from a backup — it is kept as it is, since every local DRM key is sealed under it`,
          'drm-seal',
        );
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await chmod(dirname(path), 0o700).catch(() => undefined);
      const made = randomBytes(32);
      await writeFileAtomic(path, made, { mode: 0o600 });
      return made;
    })());
  return {
    kind: 'owner-only file',
    async seal(plain, aad) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', await key(), iv).setAAD(Buffer.from(aad));
      const body = Buffer.concat([c.update(plain), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    async open(sealed, aad) {
      const d = createDecipheriv('aes-256-gcm', await key(), sealed.subarray(0, 12)).setAAD(Buffer.from(aad));
      d.setAuthTag(sealed.subarray(12, 28));
      try {
        return Buffer.concat([d.update(sealed.subarray(28)), d.final()]);
      } catch {
        throw new DrmError(
          'a sealed DRM key does not open with this station key (sealed elsewhere, or damaged)',
          'drm-seal',
        );
      }
    },
  };
}

interface StoreFile {
  contentId: string;
  seal: string;
  keys: Array<{ kid: string; sealed: string; check: string }>;
  createdAt: string;
}

export class LocalKeyProvider implements KeyProvider {
  readonly label = 'local keys';
  private readonly lock = new KeyedMutex();

  constructor(
    private readonly dir: string,
    private readonly sealer: KeySeal,
  ) {}

  /** `<dir>/<contentId as a file name>.drm.json` (the content ID is `<titleId>--<version>`). */
  fileFor(contentId: string): string {
    return join(this.dir, `${safeFileName(contentId)}.drm.json`);
  }

  plan(options: DrmOptions, contentId: string, segments: number): Promise<KeyPlan> {
    return Promise.resolve(planKeys(options, contentId, periodsFor(options, segments)));
  }

  fetch(plan: KeyPlan): Promise<KeySet> {
    return this.lock.run(plan.contentId, () => this.fetchLocked(plan));
  }

  private async fetchLocked(plan: KeyPlan): Promise<KeySet> {
    const path = this.fileFor(plan.contentId);
    const file: StoreFile = await readFile(path, 'utf8').then(
      (t) => JSON.parse(t) as StoreFile,
      () => ({ contentId: plan.contentId, seal: this.sealer.kind, keys: [], createdAt: new Date().toISOString() }),
    );
    const keys = new Map<string, ContentKey>();
    let made = false;
    for (const slot of plan.slots) {
      const known = file.keys.find((k) => k.kid === slot.kid);
      if (known) {
        keys.set(slot.kid, {
          kid: slot.kid,
          key: await this.sealer.open(Buffer.from(known.sealed, 'base64'), slot.kid),
        });
        continue;
      }
      const key = randomBytes(16);
      file.keys.push({
        kid: slot.kid,
        sealed: (await this.sealer.seal(key, slot.kid)).toString('base64'),
        check: keyCheck(slot.kid, key),
      });
      keys.set(slot.kid, { kid: slot.kid, key });
      made = true;
    }
    // Sealed and on disk before any chunk is encrypted with a new key.
    if (made) {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await chmod(this.dir, 0o700).catch(() => undefined);
      await writeFileAtomic(path, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
    }
    return { keys, systems: [] };
  }

  /** Write the CPIX export for the key server: `<dir>/<contentId>.cpix.xml` (keys only for a recipient). */
  async exportCpix(plan: KeyPlan, keys: KeySet, systems: SystemData[], recipientCertPem?: string): Promise<string> {
    const path = this.fileFor(plan.contentId).replace(/\.drm\.json$/, '.cpix.xml');
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(path, cpixExport(plan, keys.keys, systems, recipientCertPem), { mode: 0o600 });
    return path;
  }
}

/**
 * The sealed local keys of the given key IDs, read only (nothing is made or written): for proving a
 * package this station encrypted (verify, audit). Every title's file in `dir` is looked through, so
 * the package's key IDs alone find them. Key IDs not found are simply absent from the result.
 */
export async function openLocalKeys(dir: string, sealer: KeySeal, kids: string[]): Promise<Map<string, Buffer>> {
  const wanted = new Set(kids);
  const found = new Map<string, Buffer>();
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.endsWith('.drm.json')).sort()) {
    const file = await readFile(join(dir, name), 'utf8').then(
      (t) => JSON.parse(t) as StoreFile,
      () => undefined,
    );
    for (const k of file?.keys ?? [])
      if (wanted.has(k.kid) && !found.has(k.kid))
        found.set(k.kid, await sealer.open(Buffer.from(k.sealed, 'base64'), k.kid));
  }
  return found;
}
