/**
 * Settings: destinations (with "Test connection"), which is origin and archive, processing,
 * transfer limits, watch folders and tool paths. Stored credentials are never sent back here: a
 * destination shows only that a secret is stored (and its key id's last four characters); typing
 * new ones replaces them on Save, where the engine encrypts them with the OS's secret store.
 */
import { useEffect, useState } from 'react';
import type { StationApi } from '../../electron/common/api';
import type { DestinationConfig, StationConfig } from '../../electron/common/config';
import { credentialBinding } from '../../electron/common/config-binding';
import type { ConnectionTest, Credentials, SettingsView } from '../../electron/common/settings';
import { errorText } from './errors';
import { S3_DEFAULTS, STATION_DEFAULTS as D } from '../../electron/common/config-defaults';
import { tierLabel } from '../../electron/common/restore-tiers';

type CredEdit = { accessKeyId: string; secretAccessKey: string; forget: boolean };
const emptyCred = (): CredEdit => ({ accessKeyId: '', secretAccessKey: '', forget: false });

function NumberField({
  label,
  value,
  onChange,
  min,
  step,
  optional,
}: {
  label: string;
  value: number | undefined;
  onChange(v: number | undefined): void;
  min?: number;
  step?: number;
  optional?: boolean;
}): React.JSX.Element {
  return (
    <label className="field">
      <span>{label}</span>
      <input
        type="number"
        value={value ?? ''}
        min={min}
        step={step ?? 1}
        placeholder={optional ? 'unlimited' : undefined}
        onChange={(e) => onChange(e.target.value === '' ? (optional ? undefined : 0) : Number(e.target.value))}
      />
    </label>
  );
}

function TextField({
  label,
  value,
  onChange,
  placeholder,
  type,
}: {
  label: string;
  value: string | undefined;
  onChange(v: string | undefined): void;
  placeholder?: string;
  type?: string;
}): React.JSX.Element {
  return (
    <label className="field">
      <span>{label}</span>
      <input
        type={type ?? 'text'}
        value={value ?? ''}
        placeholder={placeholder}
        autoComplete="off"
        spellCheck={false}
        onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
      />
    </label>
  );
}

/** Whether a destination now points at another store or bucket than when it was saved. */
function rebound(saved: DestinationConfig | undefined, now: DestinationConfig): boolean {
  if (saved?.type !== 's3' || now.type !== 's3') return false;
  return credentialBinding(saved) !== credentialBinding(now);
}

function newS3(): DestinationConfig {
  return {
    type: 's3',
    preset: 'b2',
    region: 'us-west-004',
    bucket: '',
    prefix: S3_DEFAULTS.prefix,
    forcePathStyle: S3_DEFAULTS.forcePathStyle,
    partSizeMiB: 100,
    multipartThresholdMiB: S3_DEFAULTS.multipartThresholdMiB,
  };
}

function DestinationEditor(props: {
  name: string;
  dest: DestinationConfig;
  stored: string | undefined;
  /** The stored credentials are not for the store and bucket the screen now shows. */
  rebound: boolean;
  cred: CredEdit;
  test: ConnectionTest | 'running' | undefined;
  onChange(d: DestinationConfig): void;
  onCred(c: CredEdit): void;
  onTest(): void;
  onRemove(): void;
}): React.JSX.Element {
  const { name, dest, cred } = props;
  const set = (patch: Partial<DestinationConfig>): void => props.onChange({ ...dest, ...patch } as DestinationConfig);
  return (
    <fieldset className="dest" data-testid={`destination-${name}`}>
      <legend>{name}</legend>
      <label className="field">
        <span>Type</span>
        <select
          value={dest.type}
          onChange={(e) => props.onChange(e.target.value === 's3' ? newS3() : { type: 'folder', path: '' })}
        >
          <option value="s3">S3-compatible store</option>
          <option value="folder">Folder</option>
        </select>
      </label>
      {dest.type === 'folder' ? (
        <TextField
          label="Folder"
          value={dest.path}
          onChange={(v) => set({ path: v ?? '' })}
          placeholder="/mnt/origin"
        />
      ) : (
        <>
          <label className="field">
            <span>Preset</span>
            <select value={dest.preset} onChange={(e) => set({ preset: e.target.value as 'b2' | 'aws' | 'generic' })}>
              <option value="b2">Backblaze B2</option>
              <option value="aws">AWS S3</option>
              <option value="generic">Other S3-compatible</option>
            </select>
          </label>
          <TextField
            label="Endpoint"
            value={dest.endpoint}
            onChange={(v) => set({ endpoint: v })}
            placeholder={
              dest.preset === 'b2' ? 'derived from the region' : dest.preset === 'aws' ? 'AWS default' : 'https://…'
            }
          />
          <TextField label="Region" value={dest.region} onChange={(v) => set({ region: v ?? '' })} />
          <TextField label="Bucket" value={dest.bucket} onChange={(v) => set({ bucket: v ?? '' })} />
          <TextField
            label="Prefix"
            value={dest.prefix}
            onChange={(v) => set({ prefix: v ?? '' })}
            placeholder="(bucket root)"
          />
          <label className="field field--check">
            <input
              type="checkbox"
              checked={dest.forcePathStyle}
              onChange={(e) => set({ forcePathStyle: e.target.checked })}
            />
            <span>Path-style addressing</span>
          </label>
          <label className="field">
            <span>Storage class</span>
            <select
              value={dest.storageClass ?? ''}
              onChange={(e) => set({ storageClass: e.target.value || undefined })}
            >
              <option value="">Store default</option>
              {/* B2 has one class: offering others would fail every upload with NotImplemented. */}
              {(dest.preset === 'b2'
                ? ['STANDARD']
                : ['STANDARD', 'STANDARD_IA', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE']
              ).map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          <TextField
            label="Public URL (where viewers fetch it; the library audit checks through it)"
            value={dest.publicBaseUrl}
            onChange={(v) => set({ publicBaseUrl: v || undefined })}
            placeholder="https://cdn.example/library"
          />
          <label className="field">
            <span>Extra checksum</span>
            <select
              value={dest.checksum ?? ''}
              onChange={(e) => set({ checksum: (e.target.value || undefined) as 'none' | 'SHA256' | undefined })}
            >
              <option value="">Default for this store ({dest.preset === 'aws' ? 'SHA-256' : 'none'})</option>
              <option value="SHA256" disabled={dest.preset === 'b2'}>
                SHA-256 (store verifies and keeps it)
              </option>
              <option value="none">None (Content-MD5 only)</option>
            </select>
          </label>
          <NumberField
            label="Part size (MiB)"
            value={dest.partSizeMiB}
            min={5}
            onChange={(v) => set({ partSizeMiB: v ?? S3_DEFAULTS.partSizeMiB })}
          />
          <NumberField
            label="Multipart above (MiB)"
            value={dest.multipartThresholdMiB}
            min={5}
            onChange={(v) => set({ multipartThresholdMiB: v ?? S3_DEFAULTS.multipartThresholdMiB })}
          />
          <div className="dest__creds">
            <p className="dest__stored" data-testid="credential-status">
              {cred.forget
                ? 'Stored credentials will be forgotten on Save.'
                : props.stored
                  ? `Credentials stored securely (key ${props.stored}). Type new ones to replace them.`
                  : 'No credentials stored: the SDK default chain (environment, profile) is used.'}
            </p>
            {props.stored && props.rebound && !cred.accessKeyId && (
              <p className="banner banner--warn" data-testid="credential-rebound">
                The endpoint or bucket differs from where the stored credentials belong: they are not sent there, and
                Save drops them unless you type the credentials for this store.
              </p>
            )}
            <TextField
              label="Access key ID"
              value={cred.accessKeyId}
              onChange={(v) => props.onCred({ ...cred, accessKeyId: v ?? '' })}
              placeholder={props.stored ? 'unchanged' : ''}
            />
            <TextField
              label="Secret access key"
              type="password"
              value={cred.secretAccessKey}
              onChange={(v) => props.onCred({ ...cred, secretAccessKey: v ?? '' })}
              placeholder={props.stored ? 'unchanged' : ''}
            />
            {props.stored && (
              <button type="button" onClick={() => props.onCred({ ...emptyCred(), forget: !cred.forget })}>
                {cred.forget ? 'Keep stored credentials' : 'Forget stored credentials'}
              </button>
            )}
          </div>
        </>
      )}
      <div className="dest__actions">
        <button type="button" onClick={props.onTest} disabled={props.test === 'running'}>
          {props.test === 'running' ? 'Testing…' : 'Test connection'}
        </button>
        <button type="button" onClick={props.onRemove}>
          Remove
        </button>
      </div>
      {props.test && props.test !== 'running' && props.test.note && (
        <p className="dest__note" data-testid="connection-note">
          {props.test.note}
        </p>
      )}
      {props.test && props.test !== 'running' && (
        <ol
          className={`dest__test dest__test--${props.test.ok ? 'ok' : 'bad'}`}
          data-testid="connection-test"
          aria-live="polite"
        >
          {props.test.steps.map((s) => (
            <li key={s.step}>
              {s.ok ? '✓' : '✗'} {s.step} ({s.ms} ms){s.detail ? ` — ${s.detail}` : ''}
            </li>
          ))}
        </ol>
      )}
    </fieldset>
  );
}

export function Settings({ station, onClose }: { station: StationApi; onClose(): void }): React.JSX.Element {
  const [view, setView] = useState<SettingsView>();
  const [draft, setDraft] = useState<StationConfig>();
  const [creds, setCreds] = useState<Record<string, CredEdit>>({});
  const [tests, setTests] = useState<Record<string, ConnectionTest | 'running'>>({});
  const [status, setStatus] = useState<{ ok: boolean; text: string }>();
  const [saving, setSaving] = useState(false);
  const [newName, setNewName] = useState('');
  // Typed, never shown again once saved (sealed like destination credentials).
  const [farmPassword, setFarmPassword] = useState<string>();

  useEffect(() => {
    void station.getSettings().then(
      (v) => {
        setView(v);
        setDraft(structuredClone(v.config));
      },
      (err: unknown) => setStatus({ ok: false, text: errorText(err) }),
    );
  }, [station]);

  if (!draft || !view) return <p className="settings">{status ? status.text : 'Loading settings…'}</p>;
  const set = (patch: Partial<StationConfig>): void => setDraft({ ...draft, ...patch });
  const names = Object.keys(draft.destinations);
  const typed = (name: string): Credentials | null => {
    const c = creds[name];
    return c && c.accessKeyId && c.secretAccessKey
      ? { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey }
      : null;
  };

  const save = async (): Promise<void> => {
    setSaving(true);
    setStatus(undefined);
    const credentials: Record<string, Credentials | null> = {};
    for (const name of names) {
      const c = creds[name];
      if (c?.forget) credentials[name] = null;
      else if (typed(name)) credentials[name] = typed(name);
      else if (c && (c.accessKeyId || c.secretAccessKey)) {
        setSaving(false);
        setStatus({ ok: false, text: `${name}: enter both the access key ID and the secret, or neither.` });
        return;
      }
    }
    try {
      const v = await station.saveSettings({ config: draft, credentials, ...(farmPassword ? { farmPassword } : {}) });
      setView(v);
      setDraft(structuredClone(v.config));
      setCreds({});
      setFarmPassword(undefined);
      setStatus({
        ok: true,
        text: 'Saved. The engine restarted with the new settings; running titles continue where they were.',
      });
    } catch (err) {
      setStatus({ ok: false, text: errorText(err) });
    } finally {
      setSaving(false);
    }
  };

  const test = async (name: string): Promise<void> => {
    setTests((t) => ({ ...t, [name]: 'running' }));
    try {
      const r = await station.testDestination(name, draft.destinations[name]!, typed(name));
      setTests((t) => ({ ...t, [name]: r }));
    } catch (err) {
      setTests((t) => ({
        ...t,
        [name]: { ok: false, steps: [{ step: 'Test', ok: false, ms: 0, detail: errorText(err) }] },
      }));
    }
  };

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

      <h3>Destinations</h3>
      {names.map((name) => (
        <DestinationEditor
          key={name}
          name={name}
          dest={draft.destinations[name]!}
          stored={view.credentials[name]?.accessKeyIdHint}
          rebound={
            rebound(view.config.destinations[name], draft.destinations[name]!) || !!view.credentials[name]?.unbound
          }
          cred={creds[name] ?? emptyCred()}
          test={tests[name]}
          onChange={(d) => set({ destinations: { ...draft.destinations, [name]: d } })}
          onCred={(c) => setCreds({ ...creds, [name]: c })}
          onTest={() => void test(name)}
          onRemove={() => {
            const { [name]: _gone, ...rest } = draft.destinations;
            set({ destinations: rest, ...(draft.archive === name ? { archive: undefined } : {}) });
          }}
        />
      ))}
      <div className="settings__add">
        <TextField
          label="New destination name"
          value={newName}
          onChange={(v) => setNewName(v ?? '')}
          placeholder="b2-origin"
        />
        <button
          type="button"
          disabled={!/^[A-Za-z0-9_-]{1,40}$/.test(newName) || newName in draft.destinations}
          onClick={() => {
            set({ destinations: { ...draft.destinations, [newName]: newS3() } });
            setNewName('');
          }}
        >
          Add destination
        </button>
      </div>
      <div className="settings__grid">
        <label className="field">
          <span>Origin (HLS package)</span>
          <select value={draft.origin} onChange={(e) => set({ origin: e.target.value })}>
            {names.map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Archive (master + package tar)</span>
          <select value={draft.archive ?? ''} onChange={(e) => set({ archive: e.target.value || undefined })}>
            <option value="">None</option>
            {names.map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </label>
      </div>

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

      <h3>Library audit and the archive</h3>
      <div className="settings__grid">
        <NumberField
          label="Audit the whole library every (hours, 0 = on demand)"
          value={draft.libraryAudit.everyHours}
          min={0}
          onChange={(v) => set({ libraryAudit: { ...draft.libraryAudit, everyHours: v ?? D.libraryAuditEveryHours } })}
        />
        <NumberField
          label="Audit requests per second (the store bills them)"
          value={draft.libraryAudit.requestsPerSecond}
          min={1}
          onChange={(v) =>
            set({ libraryAudit: { ...draft.libraryAudit, requestsPerSecond: v ?? D.libraryAuditRequestsPerSecond } })
          }
        />
        <NumberField
          label="Chunks per title through the public URL, each run"
          value={draft.libraryAudit.sampleChunks}
          min={0}
          onChange={(v) =>
            set({ libraryAudit: { ...draft.libraryAudit, sampleChunks: v ?? D.libraryAuditSampleChunks } })
          }
        />
        <label className="field field--check">
          <input
            type="checkbox"
            checked={draft.libraryAudit.repair}
            onChange={(e) => set({ libraryAudit: { ...draft.libraryAudit, repair: e.target.checked } })}
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
        <TextField
          label="Farm (Redis URL, no password)"
          value={draft.farm?.url}
          onChange={(v) => set({ farm: v ? { url: v } : undefined })}
          placeholder="redis://farm-redis:6379"
        />
        {draft.farm && (
          <TextField
            label={
              view.farmPasswordStored
                ? 'Farm password (stored securely; type to replace)'
                : 'Farm password (stored securely)'
            }
            type="password"
            value={farmPassword}
            onChange={setFarmPassword}
            placeholder={view.farmPasswordStored ? '••••••••' : 'none'}
          />
        )}
      </div>

      <h3>Watch folders</h3>
      {draft.watchFolders.map((w, i) => (
        <div className="settings__grid" key={i}>
          <TextField
            label="Folder"
            value={w.path}
            onChange={(v) =>
              set({ watchFolders: draft.watchFolders.map((x, j) => (j === i ? { ...x, path: v ?? '' } : x)) })
            }
          />
          <NumberField
            label="Stable for (s)"
            value={w.stableSeconds}
            min={0}
            onChange={(v) =>
              set({
                watchFolders: draft.watchFolders.map((x, j) =>
                  j === i ? { ...x, stableSeconds: v ?? D.watchStableSeconds } : x,
                ),
              })
            }
          />
          <button type="button" onClick={() => set({ watchFolders: draft.watchFolders.filter((_x, j) => j !== i) })}>
            Remove folder
          </button>
        </div>
      ))}
      <button
        type="button"
        onClick={() =>
          set({ watchFolders: [...draft.watchFolders, { path: '', stableSeconds: D.watchStableSeconds }] })
        }
      >
        Add watch folder
      </button>

      <h3>Tools and folders</h3>
      <div className="settings__grid">
        <TextField
          label="ffmpeg"
          value={draft.ffmpegPath}
          onChange={(v) => set({ ffmpegPath: v })}
          placeholder="bundled, else PATH"
        />
        <TextField
          label="ffprobe"
          value={draft.ffprobePath}
          onChange={(v) => set({ ffprobePath: v })}
          placeholder="beside ffmpeg, else bundled"
        />
        <TextField label="Work folder" value={draft.workDir} onChange={(v) => set({ workDir: v })} />
        <TextField
          label="Delivery spec file"
          value={draft.specPath}
          onChange={(v) => set({ specPath: v })}
          placeholder="built-in feature film spec"
        />
      </div>

      <div className="settings__save">
        <button type="button" className="primary" onClick={() => void save()} disabled={saving}>
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
    </section>
  );
}
