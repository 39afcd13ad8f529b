/**
 * One destination in Settings: where it is (a folder, or an S3-compatible store and bucket), how
 * objects are stored there, its credentials and "Test connection". Stored credentials are never sent
 * back here: the editor shows only that a secret is stored (and its key id's last four characters).
 */
import type { DestinationConfig, S3DestinationConfig } from '../../../electron/common/config';
import { credentialBinding } from '../../../electron/common/config-binding';
import { S3_DEFAULTS } from '../../../electron/common/config-defaults';
import type { ConnectionTest } from '../../../electron/common/settings';
import { describeClaimProtocol, type StoreFacts } from '../../../electron/common/store-facts';
import { NumberField, TextField } from './fields';

export type CredEdit = { accessKeyId: string; secretAccessKey: string; forget: boolean };
export const emptyCred = (): CredEdit => ({ accessKeyId: '', secretAccessKey: '', forget: false });
type S3Destination = S3DestinationConfig;

/** Whether a destination now points at another store or bucket than when it was saved. */
export function rebound(saved: DestinationConfig | undefined, now: DestinationConfig): boolean {
  if (saved?.type !== 's3' || now.type !== 's3') return false;
  return credentialBinding(saved) !== credentialBinding(now);
}

export function newS3(): DestinationConfig {
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

export interface DestinationEditorProps {
  name: string;
  dest: DestinationConfig;
  stored: string | undefined;
  /** The stored credentials are not for the store and bucket the screen now shows. */
  rebound: boolean;
  cred: CredEdit;
  test: ConnectionTest | 'running' | undefined;
  /** What the store proved when last probed (Test connection, or the destination's first use). */
  facts: StoreFacts | undefined;
  onChange(d: DestinationConfig): void;
  onCred(c: CredEdit): void;
  onTest(): void;
  /** Absent: the destination cannot be removed here (the first-run setup's origin). */
  onRemove?(): void;
}

export function DestinationEditor(props: DestinationEditorProps): React.JSX.Element {
  const { name, dest } = props;
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
          onChange={(v) => props.onChange({ ...dest, path: v ?? '' })}
          placeholder="/mnt/origin"
          wide
        />
      ) : (
        <>
          <S3LocationFields dest={dest} onChange={props.onChange} />
          <S3StorageFields dest={dest} onChange={props.onChange} />
          <S3VersionFields dest={dest} onChange={props.onChange} />
          <CredentialFields {...props} />
        </>
      )}
      <div className="dest__actions">
        <button type="button" onClick={props.onTest} disabled={props.test === 'running'}>
          {props.test === 'running' ? 'Testing…' : 'Test connection'}
        </button>
        {props.onRemove && (
          <button type="button" onClick={props.onRemove}>
            Remove
          </button>
        )}
      </div>
      {dest.type === 's3' && (
        <p className="dest__note" data-testid="claim-protocol">
          {props.facts
            ? describeClaimProtocol(props.facts)
            : 'Claim protocol: not known yet — Test connection (or the first title) proves whether this store honours conditional writes.'}
        </p>
      )}
      {props.test && props.test !== 'running' && <ConnectionTestResult test={props.test} />}
    </fieldset>
  );
}

interface S3FieldsProps {
  dest: S3Destination;
  onChange(d: DestinationConfig): void;
}

/** Which store, bucket and prefix. */
function S3LocationFields({ dest, onChange }: S3FieldsProps): React.JSX.Element {
  const set = (patch: Partial<S3Destination>): void => onChange({ ...dest, ...patch });
  return (
    <>
      <label className="field">
        <span>Preset</span>
        <select value={dest.preset} onChange={(e) => set({ preset: e.target.value as S3Destination['preset'] })}>
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
    </>
  );
}

/** How objects are stored: class, the viewers' URL, checksums, multipart sizes. */
function S3StorageFields({ dest, onChange }: S3FieldsProps): React.JSX.Element {
  const set = (patch: Partial<S3Destination>): void => onChange({ ...dest, ...patch });
  return (
    <>
      <label className="field">
        <span>Storage class</span>
        <select value={dest.storageClass ?? ''} onChange={(e) => set({ storageClass: e.target.value || undefined })}>
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
          onChange={(e) => set({ checksum: (e.target.value || undefined) as S3Destination['checksum'] })}
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
    </>
  );
}

/**
 * A versioned bucket (B2 keeps every version by default) and Object Lock: what a removal means there,
 * and the retention every object is written with (the archive).
 */
function S3VersionFields({ dest, onChange }: S3FieldsProps): React.JSX.Element {
  const set = (patch: Partial<S3Destination>): void => onChange({ ...dest, ...patch });
  const lock = dest.objectLock;
  return (
    <>
      <label className="field">
        <span>Removals (versioned store)</span>
        <select
          value={dest.noncurrentVersions ?? 'lifecycle'}
          onChange={(e) => set({ noncurrentVersions: e.target.value === 'delete-own' ? 'delete-own' : undefined })}
        >
          <option value="lifecycle">Leave older versions to the bucket's lifecycle rules</option>
          <option value="delete-own">Also delete the versions this station wrote (never another's)</option>
        </select>
      </label>
      <p className="dest__hint">
        A removal on a versioned bucket only adds a delete marker: the older versions remain and are billed until the
        bucket's lifecycle rules expire them.
      </p>
      <label className="field">
        <span>Object Lock (archive)</span>
        <select
          value={lock?.mode ?? ''}
          onChange={(e) =>
            set({
              objectLock: e.target.value
                ? { mode: e.target.value as 'GOVERNANCE' | 'COMPLIANCE', days: lock?.days ?? 365 }
                : undefined,
            })
          }
        >
          <option value="">None</option>
          <option value="COMPLIANCE">COMPLIANCE — nobody can delete or shorten it</option>
          <option value="GOVERNANCE">GOVERNANCE — only a key that may bypass it</option>
        </select>
      </label>
      {lock && (
        <NumberField
          label="Retention (days)"
          value={lock.days}
          min={1}
          onChange={(v) => set({ objectLock: { ...lock, days: v && v > 0 ? v : 1 } })}
        />
      )}
    </>
  );
}

/** Typed once, sealed by the engine on Save; what is stored is only ever hinted at. */
function CredentialFields({ stored, cred, onCred, ...props }: DestinationEditorProps): React.JSX.Element {
  return (
    <div className="dest__creds">
      <p className="dest__stored" data-testid="credential-status">
        {cred.forget
          ? 'Stored credentials will be forgotten on Save.'
          : stored
            ? `Credentials stored securely (key ${stored}). Type new ones to replace them.`
            : 'No credentials stored: the SDK default chain (environment, profile) is used.'}
      </p>
      {stored && props.rebound && !cred.accessKeyId && (
        <p className="banner banner--warn" data-testid="credential-rebound">
          The endpoint or bucket differs from where the stored credentials belong: they are not sent there, and Save
          drops them unless you type the credentials for this store.
        </p>
      )}
      <TextField
        label="Access key ID"
        value={cred.accessKeyId}
        onChange={(v) => onCred({ ...cred, accessKeyId: v ?? '' })}
        placeholder={stored ? 'unchanged' : ''}
      />
      <TextField
        label="Secret access key"
        type="password"
        value={cred.secretAccessKey}
        onChange={(v) => onCred({ ...cred, secretAccessKey: v ?? '' })}
        placeholder={stored ? 'unchanged' : ''}
      />
      {stored && (
        <button type="button" onClick={() => onCred({ ...emptyCred(), forget: !cred.forget })}>
          {cred.forget ? 'Keep stored credentials' : 'Forget stored credentials'}
        </button>
      )}
    </div>
  );
}

/** Each step of the connection test, timed, the failing one in the store's words. */
export function ConnectionTestResult({ test }: { test: ConnectionTest }): React.JSX.Element {
  return (
    <>
      {test.note && (
        <p className="dest__note" data-testid="connection-note">
          {test.note}
        </p>
      )}
      <ol
        className={`dest__test dest__test--${test.ok ? 'ok' : 'bad'}`}
        data-testid="connection-test"
        aria-live="polite"
      >
        {test.steps.map((s) => (
          <li key={s.step}>
            {s.ok ? '✓' : '✗'} {s.step} ({s.ms} ms){s.detail ? ` — ${s.detail}` : ''}
          </li>
        ))}
      </ol>
    </>
  );
}
