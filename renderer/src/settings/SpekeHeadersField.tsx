/**
 * Settings → Studio DRM → the SPEKE provider's request headers (its token): name/value pairs whose
 * values are write-only. Save hands them to the engine, which seals them bound to the provider's URL;
 * afterwards only their names come back ("sealed"), with Replace and Remove. "env:NAME" references
 * kept in the config are shown as such (they hold no secret).
 */
import { NO_HEADERS_EDIT, type HeaderRow, type HeadersEdit } from './drm-form';
import { FieldError } from './fields';

export interface SpekeHeadersProps {
  url: string;
  savedUrl: string | undefined;
  headersStored: string[];
  envHeaders: Record<string, string>;
  headers: HeadersEdit;
  setHeaders(h: HeadersEdit): void;
  secretStorage: boolean;
  error: string | undefined;
}

export function SpekeHeadersField(props: SpekeHeadersProps): React.JSX.Element {
  const { headers, setHeaders, headersStored: stored } = props;
  const rebound = stored.length > 0 && props.savedUrl !== props.url;
  const setRow = (i: number, row: HeaderRow): void =>
    setHeaders({ remove: false, rows: headers.rows.map((r, j) => (j === i ? row : r)) });
  return (
    <fieldset className="field drm__headers" data-testid="speke-headers">
      <legend>SPEKE headers</legend>
      <p className="field__note" data-testid="speke-headers-status">
        {headerStatus(props, rebound)}
      </p>
      {Object.entries(props.envHeaders).map(([name, ref]) => (
        <p key={name} className="field__note">
          {name}: from the environment ({ref.slice('env:'.length)})
        </p>
      ))}
      {headers.rows.map((r, i) => (
        <div key={i} className="drm__headers">
          <label className="field">
            <span>{`Header ${i + 1} name`}</span>
            <input value={r.name} spellCheck={false} onChange={(e) => setRow(i, { ...r, name: e.target.value })} />
          </label>
          <label className="field">
            <span>{`Header ${i + 1} value`}</span>
            <input
              type="password"
              value={r.value}
              autoComplete="off"
              onChange={(e) => setRow(i, { ...r, value: e.target.value })}
            />
          </label>
        </div>
      ))}
      <div className="dest__actions">
        <button
          type="button"
          onClick={() => setHeaders({ remove: false, rows: [...headers.rows, newRow(stored, headers)] })}
        >
          {stored.length && !headers.rows.length ? 'Replace headers' : 'Add header'}
        </button>
        {stored.length > 0 && !headers.remove && (
          <button type="button" onClick={() => setHeaders({ rows: [], remove: true })}>
            Remove headers
          </button>
        )}
        {(headers.remove || headers.rows.length > 0) && (
          <button type="button" onClick={() => setHeaders(NO_HEADERS_EDIT)}>
            {stored.length ? 'Keep the sealed headers' : 'Clear'}
          </button>
        )}
      </div>
      <FieldError id="drm-headers" text={props.error} />
    </fieldset>
  );
}

/** The first rows of a replacement carry the sealed names (values are typed again), then empty ones. */
function newRow(stored: string[], headers: HeadersEdit): HeaderRow {
  return { name: stored[headers.rows.length] ?? '', value: '' };
}

function headerStatus(p: SpekeHeadersProps, rebound: boolean): string {
  const names = p.headersStored.join(', ');
  if (p.headers.remove) return `The sealed headers (${names}) will be removed on Save.`;
  if (p.headers.rows.length > 0)
    return p.secretStorage
      ? 'Typed values are sealed on Save and never shown again; they replace any sealed headers.'
      : 'This system offers no secure storage: headers cannot be sealed here. Give a value as env:NAME to read it from the environment.';
  if (rebound)
    return `Sealed for ${p.savedUrl}: saving another URL forgets them (${names}) — type them again for the new one.`;
  if (p.headersStored.length > 0) return `Sealed: ${names}. Values are never shown; replace or remove them.`;
  return 'No headers sealed. Add the ones your provider asks for (an API key, say).';
}
