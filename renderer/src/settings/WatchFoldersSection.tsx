/** Settings → Watch folders: folders whose new masters are added once their size and time stop changing. */
import { STATION_DEFAULTS as D } from '../../../electron/common/config-defaults';
import { NumberField, TextField, type SectionProps } from './fields';

export function WatchFoldersSection({ draft, set }: SectionProps): React.JSX.Element {
  type Folder = SectionProps['draft']['watchFolders'][number];
  const change = (i: number, patch: Partial<Folder>): void =>
    set({ watchFolders: draft.watchFolders.map((x, j) => (j === i ? { ...x, ...patch } : x)) });
  return (
    <>
      <h3>Watch folders</h3>
      {draft.watchFolders.map((w, i) => (
        <div className="settings__grid" key={i}>
          <TextField label="Folder" value={w.path} onChange={(v) => change(i, { path: v ?? '' })} wide />
          <NumberField
            label="Stable for (s)"
            value={w.stableSeconds}
            min={0}
            onChange={(v) => change(i, { stableSeconds: v ?? D.watchStableSeconds })}
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
    </>
  );
}
