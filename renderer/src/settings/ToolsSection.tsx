/** Settings → Tools and folders: ffmpeg and ffprobe, the work folder, the delivery spec. */
import { TextField, type SectionProps } from './fields';

export function ToolsSection({ draft, set }: SectionProps): React.JSX.Element {
  return (
    <>
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
    </>
  );
}
