/**
 * The default of every station setting, in one place: the config schema (config.ts) applies them
 * and the settings screen shows them. Plain values, so the renderer can import them without zod.
 */
export const STATION_DEFAULTS = {
  encoder: 'auto',
  profile: 'default',
  segmentFormat: 'fmp4',
  dash: false,
  segmentSeconds: 6,
  activeJobs: 3,
  transcodeConcurrency: 1,
  uploadConcurrency: 16,
  partsPerFile: 16,
  partsInFlight: 24,
  transferConcurrency: 'adaptive',
  retireGraceHours: 6,
  watchStableSeconds: 30,
  encryptionEnabled: false,
  keyRotateEvery: 0,
  restoreTier: 'Standard',
  restoreDays: 7,
  restorePollMinutes: 30,
  libraryAuditEveryHours: 24,
  libraryAuditRequestsPerSecond: 20,
  libraryAuditSampleChunks: 4,
} as const;

/** The DRM systems a package can be signalled for (drm/keys.ts holds the same list for the engine). */
export const DRM_SYSTEM_NAMES = ['widevine', 'playready', 'fairplay'] as const;

/**
 * Studio DRM when it is turned on without more (the defaults): cbcs, all three systems, a key
 * per track type (audio / SD / HD), local keys, every segment encrypted, no key rotation.
 */
export const DRM_DEFAULTS = {
  scheme: 'cbcs',
  systems: DRM_SYSTEM_NAMES,
  trackKeys: 'audio-sd-hd',
  keyProvider: { type: 'local' },
  clearLead: 0,
  rotateEvery: 0,
} as const;

export const S3_DEFAULTS = {
  preset: 'generic',
  region: 'us-east-1',
  prefix: '',
  forcePathStyle: false,
  partSizeMiB: 16,
  multipartThresholdMiB: 64,
} as const;
