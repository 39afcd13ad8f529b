/**
 * Settings → Studio DRM → where the keys come from: a SPEKE v2 service (its URL, a private CA, a
 * timeout, and its headers — sealed by the engine, see SpekeHeadersField), a CPIX document per title,
 * or keys this station makes (sealed at rest; a farm's workers cannot share them).
 */
import type { DrmConfig } from '../../../electron/common/config';
import type { DrmFieldsProps } from './DrmSchemeFields';
import { drmErrorFor, withProviderType, type DrmField, type HeadersEdit, type ProviderType } from './drm-form';
import { FieldError, NumberField, TextField, type FieldErrorProps } from './fields';
import { SpekeHeadersField } from './SpekeHeadersField';

export interface DrmProviderProps extends DrmFieldsProps {
  /** Names of the SPEKE headers sealed for the saved provider URL (never their values). */
  headersStored: string[];
  /** The provider URL the sealed headers are bound to (the saved one). */
  savedUrl: string | undefined;
  headers: HeadersEdit;
  setHeaders(h: HeadersEdit): void;
  secretStorage: boolean;
  farm: boolean;
}

export function DrmProviderFields(props: DrmProviderProps): React.JSX.Element {
  const { drm, setDrm, error } = props;
  const p = drm.keyProvider;
  const errorOf = (f: DrmField): FieldErrorProps => drmErrorFor(error, f);
  const setProvider = (kp: DrmConfig['keyProvider']): void => setDrm({ ...drm, keyProvider: kp });
  return (
    <div className="settings__grid" data-testid="drm-provider">
      <label className="field">
        <span>Key provider</span>
        <select value={p.type} onChange={(e) => setDrm(withProviderType(drm, e.target.value as ProviderType))}>
          <option value="speke">SPEKE v2 key service</option>
          <option value="cpix">CPIX document per title</option>
          <option value="local">Keys made by this station</option>
        </select>
      </label>
      <FieldError {...errorOf('provider')} />
      {p.type === 'speke' && (
        <>
          <TextField
            label="SPEKE URL"
            value={p.url}
            onChange={(v) => setProvider({ ...p, url: v ?? '' })}
            placeholder="https://keys.example/speke/v2"
            wide
            error={errorOf('url')}
          />
          <TextField
            label="Provider CA certificate (PEM file, optional)"
            value={p.caFile}
            onChange={(v) => setProvider({ ...withoutKey(p, 'caFile'), ...(v ? { caFile: v } : {}) })}
            placeholder="only for a provider with a private CA"
            wide
            error={errorOf('caFile')}
          />
          <NumberField
            label="Provider timeout (s)"
            value={p.timeoutSeconds}
            min={1}
            optional
            onChange={(v) => setProvider({ ...withoutKey(p, 'timeoutSeconds'), ...(v ? { timeoutSeconds: v } : {}) })}
            error={errorOf('timeoutSeconds')}
          />
          <SpekeHeadersField {...props} url={p.url} envHeaders={p.headers ?? {}} error={errorOf('headers').text} />
        </>
      )}
      {p.type === 'cpix' && (
        <>
          <TextField
            label="CPIX file"
            value={p.file}
            onChange={(v) => setProvider({ ...p, file: v ?? '' })}
            placeholder="/keys/{titleId}.cpix.xml"
            wide
            error={errorOf('file')}
          />
          <p className="field__note">{'{titleId} and {version} in the name are filled in for each title.'}</p>
        </>
      )}
      {p.type === 'local' && (
        <>
          <TextField
            label="Key server certificate (PEM file, optional)"
            value={p.recipientCertFile}
            onChange={(v) => setProvider(v ? { type: 'local', recipientCertFile: v } : { type: 'local' })}
            placeholder="the CPIX export then carries the keys encrypted to it"
            wide
            error={errorOf('recipientCertFile')}
          />
          <p className="field__note" data-testid="drm-local-note">
            The station makes the keys, keeps them sealed on this machine and writes a CPIX export per title for the
            platform&apos;s key server.
            {props.farm && ' A farm cannot use them: its workers stop DRM titles until SPEKE or a CPIX file is chosen.'}
          </p>
        </>
      )}
    </div>
  );
}

function withoutKey<T extends object, K extends keyof T>(o: T, key: K): Omit<T, K> {
  const { [key]: _dropped, ...rest } = o;
  return rest;
}
