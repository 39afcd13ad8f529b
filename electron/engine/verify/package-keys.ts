/**
 * Where the content keys of a DRM (CENC) package come from when it is proven after the fact (the
 * `verify` command, the audit): a CPIX document the platform gave (keys in clear), or the keys this
 * station made itself for a local-key title, sealed in its keys folder (drm/local-keys.ts). Keys
 * stay in memory; messages name key IDs and files, never a key.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CPIX_MAX_BYTES, parseCpix } from '../drm/cpix.js';
import { DrmError } from '../drm/keys.js';
import { fileKeySeal, openLocalKeys, type KeySeal } from '../drm/local-keys.js';
import type { KeyPlan } from '../drm/keys.js';
import { StationDrm } from '../drm/station-drm.js';
import type { StationConfig } from '../../common/config.js';
import type { Manifest } from '../../common/manifest.js';
import { resolveKeysDir } from '../settings/config-paths.js';

/** A DRM package's keys by key ID (lower-case UUID), and where they came from (for messages). */
export interface PackageKeys {
  source: string;
  keys: Map<string, Buffer>;
}

/** The keys a CPIX document carries in clear (a document that encrypts them to a certificate is refused). */
export async function keysFromCpixFile(path: string): Promise<PackageKeys> {
  const source = `the CPIX document ${basename(path)}`;
  const size = await stat(path).then(
    (s) => s.size,
    (e: NodeJS.ErrnoException) => {
      throw new DrmError(`${source} cannot be read (${e.code ?? e.message})`, 'drm-unreachable');
    },
  );
  if (size > CPIX_MAX_BYTES) throw new DrmError(`${source} is larger than ${CPIX_MAX_BYTES} bytes`, 'drm-size');
  let doc;
  try {
    doc = parseCpix(await readFile(path, 'utf8'));
  } catch (err) {
    if (err instanceof DrmError) throw new DrmError(`${source} is a document that ${err.message}`, err.code);
    throw err;
  }
  const keys = new Map<string, Buffer>();
  for (const k of doc.keys) {
    if (k.encrypted)
      throw new DrmError(
        `${source} encrypts key ${k.kid} to a certificate: give a CPIX document with the keys in clear (PlainValue), kept owner-only`,
        'drm-encrypted',
      );
    if (k.key) keys.set(k.kid, k.key);
  }
  return { source, keys };
}

/**
 * A station's own local keys for these key IDs: `<keysDir>/drm/*.drm.json`, opened with the seal
 * given (the app's safeStorage) or the CLI's owner-only station key beside them. Read only.
 */
export async function keysFromLocalStore(keysDir: string, kids: string[], seal?: KeySeal): Promise<PackageKeys> {
  const dir = join(keysDir, 'drm');
  const source = `this station's local keys (${dir})`;
  // The CLI's seal makes its station key on first use: without one there is nothing sealed to open (and nothing is made).
  const stationKey = join(dir, 'station-seal.key');
  if (!seal && !existsSync(stationKey)) return { source, keys: new Map() };
  return { source, keys: await openLocalKeys(dir, seal ?? fileKeySeal(stationKey), kids) };
}

/** The manifest's record of a DRM package's keys (never the keys themselves). */
type DrmSection = Extract<NonNullable<Manifest['encryption']>, { method: 'cenc' }>;

/** The key plan a provider is asked with, rebuilt from what the manifest records of the title's keys. */
export function planFromManifest(drm: DrmSection, contentId: string): KeyPlan {
  const single = drm.keys.every((k) => k.trackType === 'all');
  return {
    options: {
      scheme: drm.scheme,
      systems: [...drm.systems],
      trackKeys: single ? 'single' : 'audio-sd-hd',
      ...(drm.rotateEvery ? { rotateEvery: drm.rotateEvery } : {}),
      ...(drm.clearLead ? { clearLead: drm.clearLead } : {}),
    },
    contentId,
    slots: drm.keys.map((k) => ({
      kid: k.kid,
      trackType: k.trackType === 'all' ? 'hd' : k.trackType,
      period: k.period,
    })),
  };
}

/**
 * The keys a station holds for one of its DRM titles: its own sealed local keys when it has them,
 * else its configured provider asked for the title's key IDs (a CPIX file, the SPEKE service) — the
 * same question a resumed job asks. Undefined when the station has no DRM configured and no local keys.
 */
export async function stationKeys(
  s: { config: StationConfig; baseDir: string; seal?: KeySeal },
  title: { titleId: string; version: string },
  drm: DrmSection,
  signal?: AbortSignal,
): Promise<PackageKeys | undefined> {
  const keysDir = resolveKeysDir(s.config, s.baseDir);
  const kids = [...new Set(drm.keys.map((k) => k.kid))];
  const local = await keysFromLocalStore(keysDir, kids, s.seal);
  if (local.keys.size > 0 || !s.config.drm) return local.keys.size > 0 ? local : undefined;
  const station = new StationDrm({
    config: s.config.drm,
    keysDir: join(keysDir, 'drm'),
    seal: s.seal ?? fileKeySeal(join(keysDir, 'drm', 'station-seal.key')),
    baseDir: s.baseDir,
  });
  const provider = await station.provider(title);
  // A local-key station without this title's keys in its store: it has none to give.
  if (provider.label === 'local keys') return undefined;
  const got = await provider.fetch(planFromManifest(drm, `${title.titleId}--${title.version}`), signal);
  return { source: provider.label, keys: new Map([...got.keys].map(([kid, k]) => [kid, k.key])) };
}
