/**
 * Settings → Studio DRM: the scheme (FairPlay only with cbcs, said beside it and its box disabled for
 * cenc, as the engine refuses it), the systems signalled, a key per track type or one per title, the
 * clear lead and key rotation in segments with the time they mean.
 */
import type { DrmConfig } from '../../../electron/common/config';
import {
  drmErrorFor,
  segmentsAsTime,
  SYSTEM_LABELS,
  SYSTEMS,
  systemAllowed,
  withScheme,
  withSystem,
  type DrmField,
  type DrmScheme,
} from './drm-form';
import { FieldError, NumberField, type FieldErrorProps } from './fields';

export interface DrmFieldsProps {
  drm: DrmConfig;
  setDrm(d: DrmConfig): void;
  error: { field: DrmField; text: string } | undefined;
}

export function DrmSchemeFields({
  drm,
  setDrm,
  error,
  segmentSeconds,
}: DrmFieldsProps & { segmentSeconds: number }): React.JSX.Element {
  const errorOf = (f: DrmField): FieldErrorProps => drmErrorFor(error, f);
  return (
    <div className="settings__grid">
      <label className="field">
        <span>Encryption scheme</span>
        <select value={drm.scheme} onChange={(e) => setDrm(withScheme(drm, e.target.value as DrmScheme))}>
          <option value="cbcs">cbcs — one package for Widevine, PlayReady and FairPlay</option>
          <option value="cenc">cenc — older DASH devices (no FairPlay)</option>
        </select>
      </label>
      <FieldError {...errorOf('scheme')} />
      <fieldset className="field" data-testid="drm-systems">
        <legend>DRM systems</legend>
        {SYSTEMS.map((s) => (
          <label key={s} className="field field--check">
            <input
              type="checkbox"
              checked={drm.systems.includes(s)}
              disabled={!systemAllowed(drm.scheme, s)}
              onChange={(e) => setDrm(withSystem(drm, s, e.target.checked))}
            />
            <span>{SYSTEM_LABELS[s]}</span>
          </label>
        ))}
      </fieldset>
      {drm.scheme === 'cenc' && (
        <p className="field__note" data-testid="drm-fairplay-note">
          FairPlay plays only cbcs: choose the cbcs scheme to signal FairPlay.
        </p>
      )}
      <FieldError {...errorOf('systems')} />
      <label className="field">
        <span>Content keys</span>
        <select
          value={drm.trackKeys}
          onChange={(e) => setDrm({ ...drm, trackKeys: e.target.value as DrmConfig['trackKeys'] })}
        >
          <option value="audio-sd-hd">A key per track type (audio, SD, HD)</option>
          <option value="single">One key for the whole title</option>
        </select>
      </label>
      <FieldError {...errorOf('trackKeys')} />
      <SegmentCount
        label="Clear lead (segments)"
        value={drm.clearLead}
        onChange={(v) => setDrm({ ...drm, clearLead: v })}
        error={errorOf('clearLead')}
        note={
          drm.clearLead > 0
            ? `The first ${drm.clearLead} segment(s) play without a licence (${segmentsAsTime(drm.clearLead, segmentSeconds)}).`
            : 'Every segment encrypted.'
        }
      />
      <SegmentCount
        label="New key every (segments)"
        value={drm.rotateEvery}
        onChange={(v) => setDrm({ ...drm, rotateEvery: v })}
        error={errorOf('rotateEvery')}
        note={
          drm.rotateEvery > 0
            ? `Key rotation: a new key every ${drm.rotateEvery} segment(s) (${segmentsAsTime(drm.rotateEvery, segmentSeconds)}).`
            : `No key rotation: ${drm.trackKeys === 'single' ? 'one key' : 'one key per track type'} for the whole title.`
        }
      />
    </div>
  );
}

/** A count of segments (0 or more) with what it means in time beneath it. */
function SegmentCount(props: {
  label: string;
  value: number;
  onChange(v: number): void;
  note: string;
  error: FieldErrorProps;
}): React.JSX.Element {
  return (
    <>
      <NumberField
        label={props.label}
        value={props.value}
        min={0}
        onChange={(v) => props.onChange(v ?? 0)}
        error={props.error}
      />
      <p className="field__note">{props.note}</p>
    </>
  );
}
