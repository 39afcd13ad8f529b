/**
 * What the settings screen reads and writes. Credentials never travel back to the renderer: the
 * view says only that a secret is stored (and the last four characters of its access key id), and
 * an update carries new credentials separately from the config, to be encrypted by the platform's
 * secret store (Electron safeStorage) and written apart from settings.json.
 */
import type { StoreFacts } from './store-facts.js';
import { z } from 'zod';
import { destinationSchema, stationConfigSchema, type StationConfig } from './config.js';
import { strictObject } from './strict.js';

export const credentialsSchema = strictObject({
  accessKeyId: z.string().trim().min(1).max(256),
  secretAccessKey: z.string().min(1).max(1024),
});
export type Credentials = z.infer<typeof credentialsSchema>;

const destinationName = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'not a destination name');

export const settingsUpdateSchema = strictObject({
  config: stationConfigSchema,
  /** Per destination: new credentials, or null to forget the stored ones. Absent: keep. */
  credentials: z.record(destinationName, credentialsSchema.nullable()).default({}),
  /** The farm Redis's password (sealed like credentials, bound to the farm's host and port), or null to forget it. Absent: keep. */
  farmPassword: z.string().min(1).max(1024).nullable().optional(),
  /**
   * The SPEKE key provider's request headers (its token), sealed like credentials and bound to the
   * provider's URL, or null to forget them. Absent: keep. Never in the config.
   */
  spekeHeaders: z
    .record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/), z.string().min(1).max(8192))
    .nullable()
    .optional(),
}).superRefine((u, ctx) => {
  const p = u.config.drm?.keyProvider;
  if (p?.type === 'speke' && Object.values(p.headers ?? {}).some((v) => !v.startsWith('env:')))
    ctx.addIssue({
      code: 'custom',
      path: ['config', 'drm', 'keyProvider', 'headers'],
      message: 'the key provider\'s headers go in "spekeHeaders" (sealed), never in the config',
    });
  for (const [name, d] of Object.entries(u.config.destinations)) {
    if (d.type === 's3' && (d.accessKeyId !== undefined || d.secretAccessKey !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['config', 'destinations', name],
        message: 'credentials go in "credentials", never in the config',
      });
    }
  }
});
export type SettingsUpdate = z.infer<typeof settingsUpdateSchema>;

export interface StoredCredential {
  /** "…WXYZ": enough to recognise the key, useless to an onlooker. */
  accessKeyIdHint: string;
  /** Sealed for another endpoint or bucket than the destination has now: not used until typed again. */
  unbound?: true;
}

export interface SettingsView {
  /** The config without any credential. */
  config: StationConfig;
  credentials: Record<string, StoredCredential>;
  /**
   * The operator has saved settings (chosen the origin). Until then the app runs its first-run
   * setup and refuses masters: the built-in default would deliver to a folder nobody chose.
   */
  saved: boolean;
  /** Headers for the SPEKE key provider are stored (sealed, bound to its URL): their names only. */
  spekeHeadersStored?: string[];
  /** A password for the farm in Settings is stored (sealed, bound to the farm's host and port). */
  farmPasswordStored?: boolean;
  /** Whether secrets can be stored encrypted here, and by what. */
  secretStorage: { available: boolean; backend: string };
  /** Per destination: what its store proved (conditional writes, versions) when last probed — the claim protocol in use. */
  stores?: Record<string, StoreFacts>;
}

export const destinationTestArgs = z.tuple([
  destinationName,
  destinationSchema,
  /** Credentials typed but not saved yet; null/absent: use the stored ones for this name. */
  credentialsSchema.nullable(),
]);

export interface ConnectionStep {
  step: string;
  ok: boolean;
  ms: number;
  detail?: string;
}

export interface ConnectionTest {
  ok: boolean;
  steps: ConnectionStep[];
  /** What was tested when it is not what the screen shows (the saved destination, say). */
  note?: string;
}

export function keyHint(accessKeyId: string): string {
  return `…${accessKeyId.slice(-4)}`;
}
