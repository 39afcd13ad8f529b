/**
 * Settings → Studio DRM: whether new titles get Common Encryption (the config's `drm.enabled`, what
 * the CLI's `--drm` turns on), with which scheme, systems and keys, and where the keys come from.
 * Turned off, the section is kept as it was (provider, sealed headers) for the next time it is on.
 */
import type { DrmConfig } from '../../../electron/common/config';
import { DrmProviderFields, type DrmProviderProps } from './DrmProviderFields';
import { DrmSchemeFields } from './DrmSchemeFields';
import { drmErrorFor, drmFieldError, drmTurnedOn } from './drm-form';
import { FieldError, type SectionProps } from './fields';

export interface DrmSectionProps extends SectionProps, Omit<DrmProviderProps, 'drm' | 'setDrm' | 'error' | 'farm'> {
  /** The text of a refused Save: shown beside the DRM field it is about. */
  saveError: string | undefined;
  /** DRM is on in the saved settings (turning it off then leaves DRM titles in flight without keys). */
  savedOn: boolean;
}

export function DrmSection({ draft, set, saveError, savedOn, ...provider }: DrmSectionProps): React.JSX.Element {
  const drm = draft.drm;
  const on = drm?.enabled === true;
  const error = drmFieldError(saveError);
  const setDrm = (d: DrmConfig): void => set({ drm: d });
  return (
    <>
      <h3>Studio DRM</h3>
      <div className="settings__grid" data-testid="drm-settings">
        <label className="field field--check">
          <input
            type="checkbox"
            checked={on}
            onChange={(e) => set({ drm: e.target.checked ? drmTurnedOn(drm) : drm && { ...drm, enabled: false } })}
          />
          <span>DRM for new titles</span>
        </label>
        <FieldError {...drmErrorFor(error, 'enabled')} />
        <p className="field__note" data-testid="drm-state">
          {on
            ? 'Titles planned from now on (new ones, and queued ones not planned yet) are encrypted (Common Encryption) with keys from the provider below; a title planned before keeps its plan.'
            : 'New titles are delivered without studio DRM (AES-128 only where the profile or the encryption setting asks for it).'}
        </p>
        {!on && savedOn && (
          <p className="banner banner--warn" data-testid="drm-off-warning">
            Titles already planned with DRM need it on to finish (their keys, their encryption) and to play in the QC
            player: with DRM off they stop with a sentence until it is on again.
          </p>
        )}
        {on && draft.segmentFormat === 'ts' && (
          <p className="banner banner--warn" data-testid="drm-ts">
            DRM needs fMP4 / CMAF segments: set Segments to fMP4 / CMAF in Processing, or every title will stop at its
            plan.
          </p>
        )}
      </div>
      {on && drm && (
        <>
          <DrmSchemeFields drm={drm} setDrm={setDrm} segmentSeconds={draft.segmentSeconds} error={error} />
          <DrmProviderFields {...provider} drm={drm} setDrm={setDrm} error={error} farm={draft.farm !== undefined} />
        </>
      )}
    </>
  );
}
