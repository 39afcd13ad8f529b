/** Settings → Destinations: every destination's editor, adding one, and which is the origin and the archive. */
import { useState } from 'react';
import type { StationConfig } from '../../../electron/common/config';
import type { ConnectionTest, SettingsView } from '../../../electron/common/settings';
import { DestinationEditor, emptyCred, newS3, rebound, type CredEdit } from './DestinationEditor';
import { TextField, type SectionProps } from './fields';

export interface DestinationsSectionProps extends SectionProps {
  /** As last saved: stored credentials' hints and where they belong. */
  view: SettingsView;
  creds: Record<string, CredEdit>;
  setCred(name: string, c: CredEdit): void;
  tests: Record<string, ConnectionTest | 'running'>;
  test(name: string): void;
}

export function DestinationsSection({
  draft,
  set,
  view,
  creds,
  setCred,
  tests,
  test,
}: DestinationsSectionProps): React.JSX.Element {
  const names = Object.keys(draft.destinations);
  return (
    <>
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
          facts={view.stores?.[name]}
          onChange={(d) => set({ destinations: { ...draft.destinations, [name]: d } })}
          onCred={(c) => setCred(name, c)}
          onTest={() => test(name)}
          onRemove={() => {
            const { [name]: _gone, ...rest } = draft.destinations;
            set({ destinations: rest, ...(draft.archive === name ? { archive: undefined } : {}) });
          }}
        />
      ))}
      <AddDestination draft={draft} set={set} />
      <RolesFields draft={draft} set={set} />
    </>
  );
}

function AddDestination({ draft, set }: SectionProps): React.JSX.Element {
  const [newName, setNewName] = useState('');
  return (
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
  );
}

/** Which destination takes the HLS package (origin) and which the master and package tar (archive). */
function RolesFields({ draft, set }: { draft: StationConfig; set: SectionProps['set'] }): React.JSX.Element {
  const names = Object.keys(draft.destinations);
  return (
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
  );
}
