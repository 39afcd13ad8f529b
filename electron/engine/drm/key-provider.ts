/**
 * Key providers behind one interface: `speke` (a SPEKE v2 service, drm/speke.ts), `cpix` (a CPIX
 * document per title, drm/cpix-file.ts) and `local` (keys the station makes and keeps sealed,
 * drm/local-keys.ts). The stage that encrypts calls `fetchKeys` once per title (and again on
 * resume): it checks the answer before anything is encrypted — a key of 16 bytes for every
 * requested key ID, and, when the job already holds check values from an earlier answer, the same
 * key behind every ID — and stops the title with a sentence naming the provider and what was wrong.
 * Content keys live in memory only; the job keeps the check values.
 */
import { DrmError, keyCheck, type ContentKey, type DrmOptions, type KeyPlan, type KeySet } from './keys.js';

export interface KeyProvider {
  /** For messages: "SPEKE key provider https://keys.example/speke", "CPIX file film.cpix.xml", "local keys". */
  readonly label: string;
  /**
   * The key IDs of a new title. Most providers take the station's (planKeys); a CPIX file names its
   * own, and this reads them from it.
   */
  plan?(options: DrmOptions, contentId: string, segments: number): Promise<KeyPlan>;
  /** Keys (and per-system data) for every slot of the plan. */
  fetch(plan: KeyPlan, signal?: AbortSignal): Promise<KeySet>;
}

/** A provider's answer, proven complete and stable; `checks` is what the job keeps for next time. */
export async function fetchKeys(
  provider: KeyProvider,
  plan: KeyPlan,
  signal?: AbortSignal,
): Promise<{ keys: KeySet; checks: Record<string, string> }> {
  const keys = await provider.fetch(plan, signal);
  const checks: Record<string, string> = {};
  for (const slot of plan.slots) {
    const k: ContentKey | undefined = keys.keys.get(slot.kid);
    if (!k)
      throw new DrmError(
        `${provider.label} sent no key for key ID ${slot.kid} (${slot.trackType}): nothing was encrypted — ask the provider to issue keys for every requested key ID, then retry the title`,
        'drm-missing',
      );
    if (k.key.length !== 16)
      throw new DrmError(
        `${provider.label} sent a ${k.key.length}-byte key for key ID ${slot.kid}; AES-128 needs 16`,
        'drm-key',
      );
    checks[slot.kid] = keyCheck(slot.kid, k.key);
    const before = plan.checks?.[slot.kid];
    if (before && before !== checks[slot.kid])
      throw new DrmError(
        `${provider.label} now answers a different key for key ID ${slot.kid} than when this title was first encrypted: the title is stopped so it is never published under two keys (ask the provider why, or deliver the title again as a new version)`,
        'drm-key-changed',
      );
  }
  return { keys, checks };
}
