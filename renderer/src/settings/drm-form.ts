/**
 * Settings → Studio DRM, the form's rules without React: what turning DRM on starts from, the
 * scheme's hold on FairPlay (the engine's strict rule: FairPlay plays only cbcs), switching the key
 * provider, what Save sends for the SPEKE headers (typed once, sealed by the engine, never shown
 * again), and which field an error from the engine belongs to.
 */
import { DRM_DEFAULTS, DRM_SYSTEM_NAMES } from '../../../electron/common/config-defaults';
import type { DrmConfig } from '../../../electron/common/config';

export type DrmSystem = (typeof DRM_SYSTEM_NAMES)[number];
export type DrmScheme = DrmConfig['scheme'];
export type ProviderType = DrmConfig['keyProvider']['type'];

export const SYSTEM_LABELS: Record<DrmSystem, string> = {
  widevine: 'Widevine',
  playready: 'PlayReady',
  fairplay: 'FairPlay',
};
export const SYSTEMS = DRM_SYSTEM_NAMES;

/** The drm section as the screen first shows it when the operator turns DRM on. */
export function drmTurnedOn(current: DrmConfig | undefined): DrmConfig {
  return current
    ? { ...current, enabled: true }
    : {
        ...DRM_DEFAULTS,
        enabled: true,
        systems: [...DRM_DEFAULTS.systems],
        keyProvider: { ...DRM_DEFAULTS.keyProvider },
      };
}

/** FairPlay exists only with cbcs. */
export function systemAllowed(scheme: DrmScheme, system: DrmSystem): boolean {
  return system !== 'fairplay' || scheme === 'cbcs';
}

/** A new scheme; cenc leaves FairPlay out (its checkbox is disabled then), cbcs does not add it back unasked. */
export function withScheme(drm: DrmConfig, scheme: DrmScheme): DrmConfig {
  return { ...drm, scheme, systems: drm.systems.filter((s) => systemAllowed(scheme, s)) };
}

/** One system ticked or unticked, the list kept in the canonical order. */
export function withSystem(drm: DrmConfig, system: DrmSystem, on: boolean): DrmConfig {
  const chosen = new Set(drm.systems);
  if (on && systemAllowed(drm.scheme, system)) chosen.add(system);
  else chosen.delete(system);
  return { ...drm, systems: SYSTEMS.filter((s) => chosen.has(s)) };
}

/** Another kind of key provider: the same kind keeps what was typed, another starts empty. */
export function withProviderType(drm: DrmConfig, type: ProviderType): DrmConfig {
  if (drm.keyProvider.type === type) return drm;
  const keyProvider: DrmConfig['keyProvider'] =
    type === 'speke' ? { type, url: '' } : type === 'cpix' ? { type, file: '' } : { type };
  return { ...drm, keyProvider };
}

/** SPEKE headers being typed (values write-only), or the sealed ones to be removed on Save. */
export interface HeaderRow {
  name: string;
  value: string;
}
export interface HeadersEdit {
  rows: HeaderRow[];
  remove: boolean;
}
export const NO_HEADERS_EDIT: HeadersEdit = { rows: [], remove: false };

/**
 * What Save does with the headers: nothing typed keeps them as they are; Remove forgets them all
 * (`spekeHeaders: null`, and any "env:" reference dropped from the config); typed rows replace the
 * whole set — a value "env:NAME" stays in the config as a reference (no secret in it), every other
 * value goes to `spekeHeaders`, which the engine seals bound to the provider's URL. A row half typed
 * or a name typed twice is refused with a sentence; empty rows are ignored.
 */
export function applyHeadersEdit(
  drm: DrmConfig | undefined,
  edit: HeadersEdit,
): { drm: DrmConfig | undefined; spekeHeaders?: Record<string, string> | null } | { error: string } {
  const p = drm?.keyProvider;
  if (!drm || p?.type !== 'speke') return edit.remove ? { drm, spekeHeaders: null } : { drm };
  const rows = edit.rows.map((r) => ({ name: r.name.trim(), value: r.value })).filter((r) => r.name || r.value);
  if (!edit.remove && rows.length === 0) return { drm };
  const env: Record<string, string> = {};
  const sealed: Record<string, string> = {};
  const seen = new Set<string>();
  for (const r of edit.remove ? [] : rows) {
    if (!r.name) return { error: 'A SPEKE header has a value but no name: type its name or clear the row.' };
    if (!r.value) return { error: `The SPEKE header "${r.name}" has no value: type its value or clear the row.` };
    if (seen.has(r.name.toLowerCase())) return { error: `The SPEKE header "${r.name}" is typed twice: keep one.` };
    seen.add(r.name.toLowerCase());
    (r.value.startsWith('env:') ? env : sealed)[r.name] = r.value;
  }
  const { headers: _old, ...rest } = p;
  const keyProvider = Object.keys(env).length ? { ...rest, headers: env } : rest;
  return { drm: { ...drm, keyProvider }, spekeHeaders: Object.keys(sealed).length ? sealed : null };
}

export type DrmField =
  | 'enabled'
  | 'scheme'
  | 'systems'
  | 'trackKeys'
  | 'provider'
  | 'url'
  | 'headers'
  | 'caFile'
  | 'timeoutSeconds'
  | 'file'
  | 'recipientCertFile'
  | 'clearLead'
  | 'rotateEvery';

const FIELD_OF_PATH: Record<string, DrmField> = {
  enabled: 'enabled',
  scheme: 'scheme',
  systems: 'systems',
  trackKeys: 'trackKeys',
  keyProvider: 'provider',
  'keyProvider.type': 'provider',
  'keyProvider.url': 'url',
  'keyProvider.headers': 'headers',
  'keyProvider.caFile': 'caFile',
  'keyProvider.timeoutSeconds': 'timeoutSeconds',
  'keyProvider.file': 'file',
  'keyProvider.recipientCertFile': 'recipientCertFile',
  clearLead: 'clearLead',
  rotateEvery: 'rotateEvery',
};

/** "plain http is … ; use https://x" → "Plain http is … ; use https://x." */
function sentence(s: string): string {
  const t = s.trim();
  return t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
}

/**
 * The DRM field an error of Save is about, with its sentence: the IPC validation names the path
 * ("… at argument 0.config.drm.keyProvider.url: plain http is …"), the settings store says "SPEKE
 * headers …". Anything else is not the DRM section's (undefined: it stays in the save bar only).
 */
export function drmFieldError(message: string | undefined): { field: DrmField; text: string } | undefined {
  if (!message) return undefined;
  const at = /at argument 0\.(config\.drm|spekeHeaders)\.?([^:]*): (.*)$/s.exec(message);
  if (at) {
    if (at[1] === 'spekeHeaders')
      return {
        field: 'headers',
        text: /key in record/i.test(at[3]!)
          ? `The header name "${at[2]}" is refused: use letters, digits and "-" (up to 64).`
          : sentence(at[3]!),
      };
    const path = at[2]!.replace(/\.\d+$/, '');
    const field = FIELD_OF_PATH[path] ?? (path.startsWith('keyProvider.headers') ? 'headers' : undefined);
    return field ? { field, text: sentence(at[3]!) } : undefined;
  }
  if (/SPEKE headers/.test(message)) return { field: 'headers', text: sentence(message) };
  return undefined;
}

/** The error of Save for one DRM field (none when it is about another): what the field shows beside it. */
export function drmErrorFor(
  error: { field: DrmField; text: string } | undefined,
  field: DrmField,
): { id: string; text: string | undefined } {
  return { id: `drm-${field}`, text: error?.field === field ? error.text : undefined };
}

/** "12 s at 6 s segments" beside a count of segments, so the operator sees the time it means. */
export function segmentsAsTime(segments: number, segmentSeconds: number): string {
  return segments > 0 ? `≈ ${segments * segmentSeconds} s at ${segmentSeconds} s segments` : '';
}
