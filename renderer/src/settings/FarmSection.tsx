/**
 * Settings → Farm: the farm's Redis URL (never with a password in it) and its password, typed here
 * and sealed by the engine like destination credentials — never shown again once saved.
 */
import { TextField, type SectionProps } from './fields';

export interface FarmSectionProps extends SectionProps {
  passwordStored: boolean;
  password: string | undefined;
  setPassword(v: string | undefined): void;
}

export function FarmSection({
  draft,
  set,
  passwordStored,
  password,
  setPassword,
}: FarmSectionProps): React.JSX.Element {
  return (
    <>
      <h3>Farm</h3>
      <div className="settings__grid">
        <TextField
          label="Farm (Redis URL, no password)"
          value={draft.farm?.url}
          onChange={(v) => set({ farm: v ? { url: v } : undefined })}
          placeholder="redis://farm-redis:6379"
        />
        {draft.farm && (
          <TextField
            label={
              passwordStored ? 'Farm password (stored securely; type to replace)' : 'Farm password (stored securely)'
            }
            type="password"
            value={password}
            onChange={setPassword}
            placeholder={passwordStored ? '••••••••' : 'none'}
          />
        )}
      </div>
    </>
  );
}
