/**
 * What reading back an archived object costs and how long it takes, per storage class and tier,
 * as AWS publishes them (us-east-1 list prices, 2024; other regions differ — shown as estimates).
 * Classes not listed here are readable at once (STANDARD, STANDARD_IA, GLACIER_IR, B2, folders).
 */
/** How fast an archived object becomes readable, and what it costs (the store's retrieval tiers). */
export type RestoreTier = 'Expedited' | 'Standard' | 'Bulk';

interface TierFacts {
  /** Typical wait until the copy is readable. */
  wait: string;
  /** USD per GB retrieved. */
  perGB: number;
}

export const TIERS: Record<string, Partial<Record<RestoreTier, TierFacts>>> = {
  DEEP_ARCHIVE: {
    Standard: { wait: 'within 12 hours', perGB: 0.02 },
    Bulk: { wait: 'within 48 hours', perGB: 0.0025 },
  },
  GLACIER: {
    Expedited: { wait: '1–5 minutes', perGB: 0.03 },
    Standard: { wait: '3–5 hours', perGB: 0.01 },
    Bulk: { wait: '5–12 hours', perGB: 0 },
  },
};

/** Whether objects of this class must be restored before they can be read. */
export function needsRestore(storageClass: string | undefined): boolean {
  return !!storageClass && storageClass in TIERS;
}

/** The tier to ask for: the operator's, or the nearest one the class offers (Deep Archive has no Expedited). */
export function tierFor(storageClass: string, wanted: RestoreTier): RestoreTier {
  const offered = TIERS[storageClass] ?? {};
  if (offered[wanted]) return wanted;
  return (['Standard', 'Bulk', 'Expedited'] as const).find((t) => offered[t]) ?? wanted;
}

/** One sentence for the operator: how long, and what it costs for this many bytes. */
export function restoreEstimate(storageClass: string, tier: RestoreTier, bytes: number): string {
  const f = TIERS[storageClass]?.[tier];
  if (!f) return `${tier} restore from ${storageClass}`;
  const gb = bytes / 1e9;
  const cost = f.perGB * gb;
  return `${tier} restore from ${storageClass}: readable ${f.wait}, about $${cost < 0.01 ? cost.toFixed(4) : cost.toFixed(2)} for ${gb < 1 ? `${(bytes / 1e6).toFixed(1)} MB` : `${gb.toFixed(1)} GB`} (list price; the store bills the whole object)`;
}

/** For the settings screen: each tier with its wait and price per class that offers it. */
export function tierLabel(tier: RestoreTier): string {
  const offers = Object.entries(TIERS).flatMap(([cls, tiers]) =>
    tiers[tier]
      ? [`${cls === 'DEEP_ARCHIVE' ? 'Deep Archive' : 'Glacier'} ${tiers[tier]!.wait}, $${tiers[tier]!.perGB}/GB`]
      : [],
  );
  return `${tier} — ${offers.join('; ')}`;
}
