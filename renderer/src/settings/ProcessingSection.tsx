/** Settings → Processing: the ladder, the encoder, segments, and how many titles and transcodes run at once. */
import { STATION_DEFAULTS as D } from '../../../electron/common/config-defaults';
import { NumberField, TextField, type SectionProps } from './fields';

export function ProcessingSection({ draft, set }: SectionProps): React.JSX.Element {
  return (
    <>
      <h3>Processing</h3>
      <div className="settings__grid">
        <TextField
          label="Ladder profile (name or JSON file)"
          value={draft.profile}
          onChange={(v) => set({ profile: v ?? D.profile })}
        />
        <TextField
          label="Video encoder (auto = detect)"
          value={draft.encoder}
          onChange={(v) => set({ encoder: v ?? D.encoder })}
        />
        <NumberField
          label="Segment length (s)"
          value={draft.segmentSeconds}
          min={1}
          onChange={(v) => set({ segmentSeconds: v ?? D.segmentSeconds })}
        />
        <label className="field">
          <span>Segments</span>
          <select value={draft.segmentFormat} onChange={(e) => set({ segmentFormat: e.target.value as 'fmp4' | 'ts' })}>
            <option value="fmp4">fMP4 / CMAF</option>
            <option value="ts">MPEG-TS</option>
          </select>
        </label>
        <label className="field field--check">
          <input type="checkbox" checked={draft.dash} onChange={(e) => set({ dash: e.target.checked })} />
          <span>Also write DASH</span>
        </label>
        <NumberField
          label="Titles at once"
          value={draft.activeJobs}
          min={1}
          onChange={(v) => set({ activeJobs: v ?? D.activeJobs })}
        />
        <NumberField
          label="Transcodes at once"
          value={draft.transcodeConcurrency}
          min={1}
          onChange={(v) => set({ transcodeConcurrency: v ?? D.transcodeConcurrency })}
        />
      </div>
    </>
  );
}
