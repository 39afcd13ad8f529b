/**
 * Station configuration: destinations and which one is the origin / archive. The CLI reads it from
 * a JSON file (--config); the app keeps it in its settings store.
 */
import { z } from 'zod';
import { localPathProblem } from './paths.js';
import { DRM_DEFAULTS, DRM_SYSTEM_NAMES, S3_DEFAULTS, STATION_DEFAULTS } from './config-defaults.js';
import { bandwidthRuleSchema } from './bandwidth-schedule.js';
import { strictObject } from './strict.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * Why a URL the station sends requests to is refused: credentials in it (they would end up in logs
 * and settings), plain http to anything but this machine (requests and bodies in clear), or
 * anything but a bare origin and path.
 */
function bareUrlProblem(raw: string, noun: string, credentialsHint: string): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (u.username || u.password) return `user name or password in the URL: ${credentialsHint}`;
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `${u.protocol} is not http(s)`;
  if (u.protocol === 'http:' && !LOOPBACK.has(u.hostname))
    return `plain http is allowed only to this machine (127.0.0.1, localhost); use https://${u.host}`;
  if (u.search || u.hash) return `no query or fragment in ${noun}`;
  return undefined;
}

/** Why a key provider's URL (SPEKE) is refused (see bareUrlProblem). */
export function keyProviderUrlProblem(raw: string): string | undefined {
  return bareUrlProblem(raw, 'a key provider URL', "put the provider's credentials in its headers, never in the URL");
}

/** Why an S3 endpoint URL is refused (see bareUrlProblem). */
export function endpointProblem(raw: string): string | undefined {
  return bareUrlProblem(raw, 'an endpoint', 'put credentials in the credentials fields, never in the endpoint');
}

const endpointSchema = z.string().superRefine((s, ctx) => {
  const problem = endpointProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const publicUrlSchema = z.string().superRefine((s, ctx) => {
  const problem = publicUrlProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const toolPathSchema = z.string().superRefine((p, ctx) => {
  const problem = localPathProblem(p);
  if (problem) ctx.addIssue({ code: 'custom', message: `tool path refused: ${problem}` });
});

/**
 * Why a key URI template is refused: players fetch each key from it, so it must name the key
 * ({keyId}) and be https (plain http only to this machine, for QC and tests).
 */
export function keyUriProblem(template: string): string | undefined {
  if (!template.includes('{keyId}'))
    return 'the template must contain {keyId} (each key has its own URI), e.g. https://keys.example/{keyId}';
  let u: URL;
  try {
    u = new URL(template.replace(/\{keyId\}/g, 'k'));
  } catch {
    return 'not a URL';
  }
  if (u.username || u.password) return 'no user name or password in a key URI';
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && LOOPBACK.has(u.hostname)))
    return `players must fetch keys over https (plain http only to this machine), not ${u.protocol}`;
  return undefined;
}

export const encryptionSchema = strictObject({
  enabled: z.boolean().default(STATION_DEFAULTS.encryptionEnabled),
  /** Where players fetch each key: "https://keys.example/{keyId}". */
  keyUri: z
    .string()
    .superRefine((s, ctx) => {
      const problem = keyUriProblem(s);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  /** A new key every N segments (0: one key per title). */
  rotateEvery: z.number().int().min(0).max(100_000).default(STATION_DEFAULTS.keyRotateEvery),
}).refine((e) => !e.enabled || e.keyUri !== undefined, {
  message: 'encryption is on: set keyUri, e.g. "https://keys.example/{keyId}"',
  path: ['keyUri'],
});

export { DRM_SYSTEM_NAMES } from './config-defaults.js';

const localFileSchema = z.string().superRefine((p, ctx) => {
  const problem = localPathProblem(p);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * Where a DRM title's content keys come from (engine/drm/key-provider.ts): a SPEKE v2 service, a
 * CPIX document per title (`{titleId}` and `{version}` in the file name are filled in), or keys the
 * station makes and keeps sealed (single station only: a farm's workers cannot share them).
 * A header value "env:NAME" is read from the environment, so a config file need not hold the token.
 */
export const drmKeyProviderSchema = z.discriminatedUnion('type', [
  strictObject({
    type: z.literal('speke'),
    url: z.string().superRefine((s, ctx) => {
      const problem = keyProviderUrlProblem(s);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/), z.string().max(8192)).optional(),
    /** A PEM file of a CA to trust besides the system's (a provider with a private CA). */
    caFile: localFileSchema.optional(),
    timeoutSeconds: z.number().min(1).max(300).optional(),
  }),
  strictObject({ type: z.literal('cpix'), file: z.string().min(1) }),
  strictObject({
    type: z.literal('local'),
    /** A PEM certificate of the key server: the CPIX export then carries the keys encrypted to it. */
    recipientCertFile: localFileSchema.optional(),
  }),
]);

/**
 * Studio DRM (issue #25): Common Encryption of every segment for Widevine, PlayReady and FairPlay.
 * Off unless `enabled` (or `--drm`); the defaults are the issue's: cbcs, all three systems, a key
 * per track type (audio / SD / HD), local keys, no clear lead, no rotation.
 */
export const drmSchema = strictObject({
  enabled: z.boolean().default(false),
  scheme: z.enum(['cbcs', 'cenc']).default(DRM_DEFAULTS.scheme),
  systems: z
    .array(z.enum(DRM_SYSTEM_NAMES))
    .min(1, 'choose at least one DRM system: Widevine, PlayReady or FairPlay')
    .default([...DRM_DEFAULTS.systems]),
  trackKeys: z.enum(['audio-sd-hd', 'single']).default(DRM_DEFAULTS.trackKeys),
  keyProvider: drmKeyProviderSchema.default({ ...DRM_DEFAULTS.keyProvider }),
  /** Segments left clear at the start (0: every segment encrypted). */
  clearLead: z.number().int().min(0).max(10_000).default(DRM_DEFAULTS.clearLead),
  /** A new key every N segments (0: one key per track type for the whole title). */
  rotateEvery: z.number().int().min(0).max(100_000).default(DRM_DEFAULTS.rotateEvery),
}).refine((d) => d.scheme === 'cbcs' || !d.systems.includes('fairplay'), {
  message: 'FairPlay plays only cbcs: choose scheme "cbcs" or leave "fairplay" out of systems',
  path: ['systems'],
});

export type DrmConfig = z.infer<typeof drmSchema>;

export const s3DestinationSchema = strictObject({
  type: z.literal('s3'),
  /**
   * Store family: 'b2' (Backblaze B2: endpoint derived from the region when omitted), 'aws', or
   * 'generic' S3-compatible. All use Content-MD5 for integrity and SDK checksums only when required
   * (B2 rejects x-amz-checksum-* headers).
   */
  preset: z.enum(['b2', 'aws', 'generic']).default(S3_DEFAULTS.preset),
  /** Endpoint URL for S3-compatible stores (Backblaze B2, radosgw). Omit for AWS. */
  endpoint: endpointSchema.optional(),
  region: z.string().min(1).default(S3_DEFAULTS.region),
  bucket: z.string().min(3).max(63),
  /** Key prefix under which titles are stored ("" for the bucket root). */
  prefix: z.string().default(S3_DEFAULTS.prefix),
  /** Path-style addressing (http://host/bucket/key): needed by radosgw and most local stores. */
  forcePathStyle: z.boolean().default(S3_DEFAULTS.forcePathStyle),
  /** e.g. DEEP_ARCHIVE for the archive destination. */
  storageClass: z.string().optional(),
  /** Credentials. Omit to use the SDK's default chain (env vars, profile). Never logged. */
  accessKeyId: z.string().min(1).optional(),
  secretAccessKey: z.string().min(1).optional(),
  /** Preferred multipart part size in MiB (raised as needed to stay within 10,000 parts). B2 suggests ~100. */
  partSizeMiB: z.number().int().min(5).max(5120).default(S3_DEFAULTS.partSizeMiB),
  /** Objects larger than this (MiB) go multipart and become resumable. */
  multipartThresholdMiB: z.number().int().min(5).default(S3_DEFAULTS.multipartThresholdMiB),
  /**
   * A SHA-256 of every object and part (x-amz-checksum-sha256) that the store verifies on receipt
   * and keeps, on top of Content-MD5. Default: SHA256 for the aws preset, none elsewhere (B2 rejects
   * x-amz-checksum-* headers; radosgw before Squid ignores them). CRC32C is not offered: its only
   * pure-JS implementation ran at 40 MB/s here, SHA-256 (OpenSSL) at 830 MB/s.
   */
  checksum: z.enum(['none', 'SHA256']).optional(),
  /**
   * Where viewers fetch this destination's objects (a CDN or the bucket's public URL), e.g.
   * https://cdn.example/library — the library audit fetches playlists and sampled chunks through
   * it, so a CDN that serves a stale or missing chunk is caught even when the bucket looks right.
   */
  publicBaseUrl: publicUrlSchema.optional(),
  /**
   * On a versioned bucket a removal (a retired version, a cancelled delivery, an unexpected object
   * a repair clears) leaves a delete marker and the older versions stay, billed. "lifecycle"
   * (default): leave them to the bucket's lifecycle rules (e.g. expire noncurrent versions after N
   * days); "delete-own": also delete the versions this station wrote itself (recorded as it wrote
   * them) — never a version it did not write. Needs s3:ListBucketVersions and s3:DeleteObjectVersion.
   */
  noncurrentVersions: z.enum(['lifecycle', 'delete-own']).optional(),
  /**
   * Object Lock for the archive: every object written (master, package tar, claims) carries this
   * retention — COMPLIANCE: nobody, not even the bucket's owner, can delete or shorten it before
   * it ends; GOVERNANCE: only a key with s3:BypassGovernanceRetention can. The bucket must have
   * Object Lock enabled (Test connection says). `audit --dest archive --extend-retention` extends it.
   */
  objectLock: strictObject({
    mode: z.enum(['GOVERNANCE', 'COMPLIANCE']),
    days: z.number().int().min(1).max(36_500),
  }).optional(),
});

/** Why a viewers' base URL (or the alert webhook) is refused: the same rules as an endpoint. */
export function publicUrlProblem(raw: string): string | undefined {
  return bareUrlProblem(raw, 'a public URL', 'no user name or password in a public URL');
}

export { credentialBinding, endpointFor } from './config-binding.js';

/** The flexible checksum an S3 destination sends (see `checksum`). */
export function checksumFor(cfg: {
  preset: 'b2' | 'aws' | 'generic';
  checksum?: 'none' | 'SHA256' | undefined;
}): 'SHA256' | undefined {
  const c = cfg.checksum ?? (cfg.preset === 'aws' ? 'SHA256' : 'none');
  return c === 'none' ? undefined : c;
}

export const folderDestinationSchema = strictObject({
  type: z.literal('folder'),
  /** A local or mounted directory. Relative paths resolve against the config file's folder. */
  path: z.string().min(1),
});

export const destinationSchema = z.discriminatedUnion('type', [s3DestinationSchema, folderDestinationSchema]);

/** Storage classes S3 knows; a name outside them is a typo, found now rather than hours into an upload. */
export const S3_STORAGE_CLASSES = [
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'GLACIER_IR',
  'DEEP_ARCHIVE',
  'OUTPOSTS',
  'SNOW',
  'EXPRESS_ONEZONE',
] as const;

/** Why a destination's storage class is refused: B2 answers NotImplemented to anything but STANDARD. */
export function storageClassProblem(d: {
  type: string;
  preset?: string;
  storageClass?: string | undefined;
}): string | undefined {
  if (d.type !== 's3' || d.storageClass === undefined) return undefined;
  if (!(S3_STORAGE_CLASSES as readonly string[]).includes(d.storageClass))
    return `"${d.storageClass}" is not an S3 storage class (one of ${S3_STORAGE_CLASSES.join(', ')})`;
  if (d.preset === 'b2' && d.storageClass !== 'STANDARD')
    return `Backblaze B2 stores everything in one class and answers NotImplemented to ${d.storageClass}: leave storageClass out (or STANDARD); for an archive class use an AWS (aws preset) bucket`;
  return undefined;
}

/** B2 refuses x-amz-checksum-* headers: a SHA-256 checksum there would fail every upload. */
function noChecksumOnB2(d: z.infer<typeof destinationSchema>): boolean {
  return !(d.type === 's3' && d.preset === 'b2' && d.checksum === 'SHA256');
}

/**
 * The farm's Redis as the desktop stores it: redis:// or rediss:// (TLS). No password in it: the
 * settings file is plain text; the password is sealed apart (settings store, `farmPassword`).
 */
export const farmUrlSchema = z
  .string()
  .trim()
  .max(512)
  .refine((u) => {
    try {
      return ['redis:', 'rediss:'].includes(new URL(u).protocol);
    } catch {
      return false;
    }
  }, 'the farm is a redis://host:6379 or rediss:// URL')
  .refine((u) => {
    try {
      return !new URL(u).password;
    } catch {
      return true;
    }
  }, 'no password in the farm URL: settings are plain text (type it in the farm password field, which is sealed; workers take it from INGEST_FARM_URL)');

export const stationConfigSchema = strictObject({
  destinations: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,40}$/), destinationSchema),
  /** Name of the destination that receives the HLS package. */
  origin: z.string(),
  /** Name of the destination that receives the source master (optional). */
  archive: z.string().optional(),
  /** Where packages are built. Defaults to ./ingest-work. */
  workDir: z.string().optional(),
  /** Absolute local paths (no UNC, no relative): the station runs what they name. */
  ffmpegPath: toolPathSchema.optional(),
  /** Folders whose new media files are ingested once they stop growing. */
  watchFolders: z
    .array(
      strictObject({
        path: z.string().min(1),
        stableSeconds: z.number().min(0).default(STATION_DEFAULTS.watchStableSeconds),
      }),
    )
    .default([]),
  /** Video encoder: "auto" (hardware if a trial encode passes, else libx264) or an ffmpeg encoder name. */
  encoder: z
    .string()
    .regex(/^[a-z0-9_]+$/)
    .default(STATION_DEFAULTS.encoder),
  /** Delivery spec file (default: resources/delivery-spec.json). */
  specPath: z.string().optional(),
  ffprobePath: toolPathSchema.optional(),
  /** Ladder profile: a name in resources/ladder-profiles.json ("default", "preview") or a JSON file. */
  profile: z.string().min(1).default(STATION_DEFAULTS.profile),
  /** "fixed" keeps the profile's bit rates for every film, "per-title" measures each (unset: the profile's `ladder`). */
  ladder: z.enum(['per-title', 'fixed']).optional(),
  /** HLS segments as fMP4/CMAF (default) or MPEG-TS. */
  segmentFormat: z.enum(['fmp4', 'ts']).default(STATION_DEFAULTS.segmentFormat),
  /** Also write a DASH manifest over the same CMAF segments (fMP4 only). */
  dash: z.boolean().default(STATION_DEFAULTS.dash),
  /** HLS segment length in seconds. */
  segmentSeconds: z.number().min(1).max(30).default(STATION_DEFAULTS.segmentSeconds),
  /**
   * Titles in progress at once. Each stage keeps its own limit (one transcode and one verify at a
   * time: both use every core), so with 3 one title uploads while the next transcodes.
   */
  activeJobs: z.number().int().min(1).max(16).default(STATION_DEFAULTS.activeJobs),
  /** Transcodes at once (a GPU may take more than one; a CPU encode takes every core). */
  transcodeConcurrency: z.number().int().min(1).max(8).default(STATION_DEFAULTS.transcodeConcurrency),
  /** Small objects in flight across all jobs. */
  uploadConcurrency: z.number().int().min(1).max(128).default(STATION_DEFAULTS.uploadConcurrency),
  /** Multipart parts in flight per object, and across every upload of the station. */
  partsPerFile: z.number().int().min(1).max(64).default(STATION_DEFAULTS.partsPerFile),
  partsInFlight: z.number().int().min(1).max(256).default(STATION_DEFAULTS.partsInFlight),
  /**
   * adaptive: parts in flight per file start at `partsPerFile` and grow while the link pays for
   * them (to at most `partsInFlight`, the memory bound: part size × parts in flight), back off on
   * throttling; fixed: exactly `partsPerFile`.
   */
  transferConcurrency: z.enum(['adaptive', 'fixed']).default(STATION_DEFAULTS.transferConcurrency as 'adaptive'),
  /** Upload bandwidth limit in MB/s for the whole station (unset: unlimited). */
  bandwidthLimitMBps: z.number().positive().optional(),
  /** The limit as a timetable (common/bandwidth-schedule.ts); outside every rule, `bandwidthLimitMBps`. Applied live. */
  bandwidthSchedule: z.array(bandwidthRuleSchema).max(50).optional(),
  /**
   * After a replacement, how long the old version stays at the stores for viewers already
   * playing it (hours; 0 = removed right after the switch). Removed by the next audit after that.
   */
  retireGraceHours: z.number().min(0).max(720).default(STATION_DEFAULTS.retireGraceHours),
  /**
   * AES-128 encryption of every title (a profile can also ask for it). Keys stay in `keysDir`
   * and are exported there for the key server; players fetch them from `keyUri`.
   */
  encryption: encryptionSchema.default({
    enabled: STATION_DEFAULTS.encryptionEnabled,
    rotateEvery: STATION_DEFAULTS.keyRotateEvery,
  }),
  /** Studio DRM (CENC for Widevine, PlayReady, FairPlay); off unless enabled here or with --drm. */
  drm: drmSchema.optional(),
  /** Where content keys are kept and exported (default: <workDir>/keys; owner-only). */
  keysDir: z.string().optional(),
  /**
   * Reading back an archive copy in DEEP_ARCHIVE/GLACIER: the retrieval tier (cost against wait,
   * see common/restore-tiers.ts) and how many days the readable copy stays.
   */
  restore: strictObject({
    tier: z.enum(['Expedited', 'Standard', 'Bulk']).default(STATION_DEFAULTS.restoreTier),
    days: z.number().int().min(1).max(30).default(STATION_DEFAULTS.restoreDays),
    /** How often a title waiting on a restore is checked again (minutes). */
    pollMinutes: z
      .number()
      .min(1)
      .max(24 * 60)
      .default(STATION_DEFAULTS.restorePollMinutes),
  }).default({
    tier: STATION_DEFAULTS.restoreTier,
    days: STATION_DEFAULTS.restoreDays,
    pollMinutes: STATION_DEFAULTS.restorePollMinutes,
  }),
  /**
   * The library audit: every title the origin holds, on a schedule (0 = only on demand), within a
   * request budget (the store bills listings and reads), with `sampleChunks` chunks per title
   * hashed through the viewers' door (publicBaseUrl) each run.
   */
  libraryAudit: strictObject({
    everyHours: z
      .number()
      .min(0)
      .max(24 * 30)
      .default(STATION_DEFAULTS.libraryAuditEveryHours),
    requestsPerSecond: z.number().positive().max(10_000).default(STATION_DEFAULTS.libraryAuditRequestsPerSecond),
    sampleChunks: z.number().int().min(0).max(100_000).default(STATION_DEFAULTS.libraryAuditSampleChunks),
    repair: z.boolean().default(true),
  }).default({
    everyHours: STATION_DEFAULTS.libraryAuditEveryHours,
    requestsPerSecond: STATION_DEFAULTS.libraryAuditRequestsPerSecond,
    sampleChunks: STATION_DEFAULTS.libraryAuditSampleChunks,
    repair: true,
  }),
  /** A URL that receives a JSON POST for every problem a scheduled audit finds (and what the repair did). */
  alertWebhook: publicUrlSchema.optional(),
  /** A station farm this desktop watches and steers (its titles, their workers, the same controls). */
  farm: strictObject({ url: farmUrlSchema }).optional(),
}).superRefine((cfg, ctx) => {
  for (const [name, d] of Object.entries(cfg.destinations)) {
    if (!noChecksumOnB2(d))
      ctx.addIssue({
        code: 'custom',
        path: ['destinations', name, 'checksum'],
        message: 'Backblaze B2 rejects x-amz-checksum-* headers: use "none" (Content-MD5 still protects every upload)',
      });
    const cls = storageClassProblem(d);
    if (cls) ctx.addIssue({ code: 'custom', path: ['destinations', name, 'storageClass'], message: cls });
  }
  for (const role of ['origin', 'archive'] as const) {
    const name = cfg[role];
    if (name !== undefined && !(name in cfg.destinations)) {
      ctx.addIssue({ code: 'custom', path: [role], message: `names destination "${name}", which is not defined` });
    }
  }
});

export type S3DestinationConfig = z.infer<typeof s3DestinationSchema>;
export type FolderDestinationConfig = z.infer<typeof folderDestinationSchema>;
export type DestinationConfig = z.infer<typeof destinationSchema>;
export type StationConfig = z.infer<typeof stationConfigSchema>;

/** Human one-liner for a zod failure: "destinations.origin.bucket: Too small…". */
export function describeZodError(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`).join('; ');
}

/** How long a replaced version stays at the stores for viewers mid-title, in ms (the config says hours). */
export function retireGraceMs(config: Pick<StationConfig, 'retireGraceHours'>): number {
  return config.retireGraceHours * 3_600_000;
}
