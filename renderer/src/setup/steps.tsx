/**
 * The first-run setup's steps: the origin (where packages go) and the archive (optional), each
 * tested with a real write, read back and delete; ffmpeg found; and one sample master through every
 * stage. Each edits the same settings draft the Settings screen does (useSettingsForm).
 */
import { useEffect, useState } from 'react';
import type { StationApi, StationInfo } from '../../../electron/common/api';
import type { DestinationConfig } from '../../../electron/common/config';
import { DestinationEditor, emptyCred, newS3 } from '../settings/DestinationEditor';
import { TextField } from '../settings/fields';
import type { SettingsForm } from '../settings/useSettingsForm';
import { Step, type StepStatus } from './Step';

const testStatus = (form: SettingsForm, name: string): StepStatus => {
  const t = form.tests[name];
  return t === 'running' ? 'busy' : !t ? 'todo' : t.ok ? 'ok' : 'bad';
};

function Editor({ form, name }: { form: SettingsForm; name: string }): React.JSX.Element | null {
  const dest = form.draft?.destinations[name];
  if (!form.draft || !dest) return null;
  const draft = form.draft;
  return (
    <DestinationEditor
      name={name}
      dest={dest}
      stored={form.view?.credentials[name]?.accessKeyIdHint}
      rebound={false}
      cred={form.creds[name] ?? emptyCred()}
      test={form.tests[name]}
      facts={form.view?.stores?.[name]}
      onChange={(d) => form.set({ destinations: { ...draft.destinations, [name]: d } })}
      onCred={(c) => form.setCred(name, c)}
      onTest={() => form.test(name)}
    />
  );
}

export function OriginStep({ form }: { form: SettingsForm }): React.JSX.Element {
  return (
    <Step n={1} title="Where packages go: the origin" status={testStatus(form, 'origin')}>
      <p>
        The origin is where viewers’ players fetch the HLS packages: a Backblaze B2 or S3 bucket, or a folder (a mounted
        share, or this machine for a trial). Fill it in, then <strong>Test connection</strong>: the station writes a
        small object, reads it back and deletes it.
      </p>
      <Editor form={form} name="origin" />
    </Step>
  );
}

/** The archive's default: AWS Deep Archive, the cheapest class to keep a master in for years. */
const archiveDefault = (): DestinationConfig =>
  ({
    ...newS3(),
    preset: 'aws',
    region: 'us-east-1',
    storageClass: 'DEEP_ARCHIVE',
    partSizeMiB: 64,
  }) as DestinationConfig;

export function ArchiveStep({ form }: { form: SettingsForm }): React.JSX.Element {
  const draft = form.draft;
  const on = !!draft?.archive;
  const toggle = (enable: boolean): void => {
    if (!draft) return;
    const { archive: _gone, ...rest } = draft.destinations;
    form.set(
      enable
        ? { destinations: { ...rest, archive: archiveDefault() }, archive: 'archive' }
        : { destinations: rest, archive: undefined },
    );
  };
  return (
    <Step n={2} title="The archive (optional)" status={on ? testStatus(form, 'archive') : 'skipped'}>
      <p>
        An archive keeps each untouched master and a tar of its package — the way back when the origin loses something.
        It can be added later in Settings.
      </p>
      <label className="field field--check">
        <input type="checkbox" checked={on} onChange={(e) => toggle(e.target.checked)} />
        <span>Keep masters in an archive</span>
      </label>
      {on && <Editor form={form} name="archive" />}
    </Step>
  );
}

export function useStationInfo(station: StationApi): { info: StationInfo | undefined; recheck(): void } {
  const [info, setInfo] = useState<StationInfo>();
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    void station.stationInfo().then(
      (i) => live && setInfo(i),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [station, n]);
  return { info, recheck: () => setN((x) => x + 1) };
}

export function ToolsStep({
  form,
  info,
  recheck,
}: {
  form: SettingsForm;
  info: StationInfo | undefined;
  recheck(): void;
}): React.JSX.Element {
  const status: StepStatus = !info ? 'busy' : info.toolsError ? 'bad' : 'ok';
  return (
    <Step n={3} title="ffmpeg" status={status}>
      {info?.toolsError ? (
        <p className="banner banner--error" data-testid="setup-tools">
          {info.toolsError}
        </p>
      ) : (
        <p data-testid="setup-tools">
          {info
            ? `Found ffmpeg ${info.ffmpeg?.version} (${info.ffmpeg?.path}) and ffprobe ${info.ffprobe?.version} (${info.ffprobe?.path}).`
            : 'Looking for ffmpeg…'}
        </p>
      )}
      {info?.warnings?.map((w) => (
        <p key={w} className="banner banner--warn">
          {w}
        </p>
      ))}
      {form.draft && (
        <div className="settings__grid">
          <TextField
            label="ffmpeg (leave empty to find it)"
            value={form.draft.ffmpegPath}
            onChange={(v) => form.set({ ffmpegPath: v })}
            placeholder="bundled, else PATH"
          />
          <button type="button" onClick={recheck}>
            Look again
          </button>
        </div>
      )}
    </Step>
  );
}
