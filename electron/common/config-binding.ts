/**
 * Where an S3 destination's requests — and its credentials — go. Plain functions without zod, so
 * the settings screen can use them too.
 */
interface StoreAddress {
  endpoint?: string | undefined;
  preset: 'b2' | 'aws' | 'generic';
  region: string;
}

/** The endpoint requests go to: the configured one, B2's from its region, or AWS's default (undefined). */
export function endpointFor(cfg: StoreAddress): string | undefined {
  if (cfg.endpoint) return cfg.endpoint;
  if (cfg.preset === 'b2') return `https://s3.${cfg.region}.backblazeb2.com`;
  return undefined;
}

/**
 * Where a destination's credentials may be sent: its store (endpoint, or AWS and the region) and
 * bucket. Stored credentials are bound to this; a destination whose binding changed does not get
 * them (see engine/settings/settings-store.ts).
 */
export function credentialBinding(cfg: StoreAddress & { bucket: string }): string {
  return `${endpointFor(cfg) ?? `aws:${cfg.region}`} ${cfg.bucket}`;
}
