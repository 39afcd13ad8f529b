/** Settings → Transfer: requests in flight, the bandwidth limit, and how long a replaced version stays. */
import { STATION_DEFAULTS as D } from '../../../electron/common/config-defaults';
import { NumberField, type SectionProps } from './fields';

export function TransferSection({ draft, set }: SectionProps): React.JSX.Element {
  return (
    <>
      <h3>Transfer</h3>
      <div className="settings__grid">
        <NumberField
          label="Small objects in flight"
          value={draft.uploadConcurrency}
          min={1}
          onChange={(v) => set({ uploadConcurrency: v ?? D.uploadConcurrency })}
        />
        <label className="field">
          <span>Parts in flight</span>
          <select
            value={draft.transferConcurrency}
            onChange={(e) => set({ transferConcurrency: e.target.value as 'adaptive' | 'fixed' })}
          >
            <option value="adaptive">Adaptive: grow while the link pays, up to the station's cap</option>
            <option value="fixed">Fixed: exactly the number per file</option>
          </select>
        </label>
        <NumberField
          label={
            draft.transferConcurrency === 'fixed'
              ? 'Parts in flight per file'
              : 'Parts in flight per file (to start with)'
          }
          value={draft.partsPerFile}
          min={1}
          onChange={(v) => set({ partsPerFile: v ?? D.partsPerFile })}
        />
        <NumberField
          label="Parts in flight (station)"
          value={draft.partsInFlight}
          min={1}
          onChange={(v) => set({ partsInFlight: v ?? D.partsInFlight })}
        />
        <NumberField
          label="Bandwidth limit (MB/s)"
          value={draft.bandwidthLimitMBps}
          min={0.1}
          step={0.1}
          optional
          onChange={(v) => set({ bandwidthLimitMBps: v })}
        />
        <NumberField
          label="Keep a replaced version for (hours)"
          value={draft.retireGraceHours}
          min={0}
          step={0.5}
          onChange={(v) => set({ retireGraceHours: v ?? D.retireGraceHours })}
        />
      </div>
    </>
  );
}
