/**
 * Settings: destinations (with "Test connection"), which is origin and archive, processing,
 * studio DRM, transfer limits, the library audit, the farm, watch folders and tool paths — one component per
 * section (settings/), the state and Save in useSettingsForm. Stored credentials are never sent back
 * here; typing new ones replaces them on Save, where the engine encrypts them with the OS's secret store.
 */
import type { StationApi } from '../../electron/common/api';
import { DestinationsSection } from './settings/DestinationsSection';
import { DrmSection } from './settings/DrmSection';
import { FarmSection } from './settings/FarmSection';
import { LibraryAuditSection } from './settings/LibraryAuditSection';
import { ProcessingSection } from './settings/ProcessingSection';
import { ToolsSection } from './settings/ToolsSection';
import { TransferSection } from './settings/TransferSection';
import { WatchFoldersSection } from './settings/WatchFoldersSection';
import { useSettingsForm, type SettingsStatus } from './settings/useSettingsForm';

export function Settings({ station, onClose }: { station: StationApi; onClose(): void }): React.JSX.Element {
  const form = useSettingsForm(station);
  const { view, draft, set } = form;
  if (!draft || !view) return <p className="settings">{form.status ? form.status.text : 'Loading settings…'}</p>;
  const section = { draft, set };
  return (
    <section className="settings" aria-label="Settings" data-testid="settings">
      <header className="settings__head">
        <h2>Settings</h2>
        <button type="button" onClick={onClose}>
          Back to the queue
        </button>
      </header>
      {!view.secretStorage.available && (
        <p className="banner banner--error">
          Secure credential storage is not available ({view.secretStorage.backend}): credentials cannot be saved; use
          environment credentials.
        </p>
      )}
      <DestinationsSection
        {...section}
        view={view}
        creds={form.creds}
        setCred={form.setCred}
        tests={form.tests}
        test={form.test}
      />
      <ProcessingSection {...section} />
      <DrmSection
        {...section}
        saveError={form.status && !form.status.ok ? form.status.text : undefined}
        savedOn={view.config.drm?.enabled === true}
        headersStored={view.spekeHeadersStored ?? []}
        savedUrl={view.config.drm?.keyProvider.type === 'speke' ? view.config.drm.keyProvider.url : undefined}
        headers={form.spekeHeaders}
        setHeaders={form.setSpekeHeaders}
        secretStorage={view.secretStorage.available}
      />
      <TransferSection {...section} />
      <LibraryAuditSection {...section} />
      <FarmSection
        {...section}
        passwordStored={!!view.farmPasswordStored}
        password={form.farmPassword}
        setPassword={form.setFarmPassword}
      />
      <WatchFoldersSection {...section} />
      <ToolsSection {...section} />
      <SaveBar saving={form.saving} status={form.status} onSave={() => void form.save()} />
    </section>
  );
}

function SaveBar({
  saving,
  status,
  onSave,
}: {
  saving: boolean;
  status?: SettingsStatus;
  onSave(): void;
}): React.JSX.Element {
  return (
    <div className="settings__save">
      <button type="button" className="primary" onClick={onSave} disabled={saving}>
        {saving ? 'Saving…' : 'Save settings'}
      </button>
      {status && (
        <p
          className={status.ok ? 'banner banner--ok' : 'banner banner--error'}
          role={status.ok ? 'status' : 'alert'}
          data-testid="settings-status"
        >
          {status.text}
        </p>
      )}
    </div>
  );
}
