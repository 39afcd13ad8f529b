/** Settings → Library audit and the archive: the schedule, its request budget, sampling, repair, restore tier, alerts. */
import { STATION_DEFAULTS as D } from '../../../electron/common/config-defaults';
import { tierLabel } from '../../../electron/common/restore-tiers';
import { NumberField, TextField, type SectionProps } from './fields';

export function LibraryAuditSection({ draft, set }: SectionProps): React.JSX.Element {
  const audit = (patch: Partial<SectionProps['draft']['libraryAudit']>): void =>
    set({ libraryAudit: { ...draft.libraryAudit, ...patch } });
  return (
    <>
      <h3>Library audit and the archive</h3>
      <div className="settings__grid">
        <NumberField
          label="Audit the whole library every (hours, 0 = on demand)"
          value={draft.libraryAudit.everyHours}
          min={0}
          onChange={(v) => audit({ everyHours: v ?? D.libraryAuditEveryHours })}
        />
        <NumberField
          label="Audit requests per second (the store bills them)"
          value={draft.libraryAudit.requestsPerSecond}
          min={1}
          onChange={(v) => audit({ requestsPerSecond: v ?? D.libraryAuditRequestsPerSecond })}
        />
        <NumberField
          label="Chunks per title through the public URL, each run"
          value={draft.libraryAudit.sampleChunks}
          min={0}
          onChange={(v) => audit({ sampleChunks: v ?? D.libraryAuditSampleChunks })}
        />
        <label className="field field--check">
          <input
            type="checkbox"
            checked={draft.libraryAudit.repair}
            onChange={(e) => audit({ repair: e.target.checked })}
          />
          <span>Scheduled audits repair from the archive</span>
        </label>
        <label className="field">
          <span>Archive restore tier (Deep Archive / Glacier)</span>
          <select
            value={draft.restore.tier}
            onChange={(e) =>
              set({ restore: { ...draft.restore, tier: e.target.value as 'Expedited' | 'Standard' | 'Bulk' } })
            }
          >
            {(['Standard', 'Bulk', 'Expedited'] as const).map((t) => (
              <option key={t} value={t}>
                {tierLabel(t)}
              </option>
            ))}
          </select>
        </label>
        <TextField
          label="Alert webhook (JSON POST per problem)"
          value={draft.alertWebhook}
          onChange={(v) => set({ alertWebhook: v || undefined })}
          placeholder="https://ops.example/hooks/ingest"
        />
      </div>
    </>
  );
}
