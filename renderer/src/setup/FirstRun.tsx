/**
 * The first run: until an origin is chosen the station takes no masters, and this guides the
 * operator from an empty profile to a delivered sample — origin (tested), archive (optional,
 * tested), ffmpeg found, then a sample master through every stage. Everything here is ordinary
 * settings: Settings shows and changes it afterwards.
 */
import { useEffect, useState } from 'react';
import type { StationApi } from '../../../electron/common/api';
import type { JobSnapshot } from '../../../electron/common/jobs';
import { errorText } from '../errors';
import type { MasterDrop } from '../DropZone';
import { useSettingsForm } from '../settings/useSettingsForm';
import { SampleStep } from './SampleStep';
import { ArchiveStep, OriginStep, ToolsStep, useStationInfo } from './steps';

export function FirstRun({
  station,
  jobs,
  drop,
  onBusy,
  onDone,
  onSettings,
}: {
  station: StationApi;
  jobs: JobSnapshot[];
  drop: MasterDrop;
  /** The setup is saving or running its sample: stay here though settings are now saved. */
  onBusy(): void;
  onDone(): void;
  onSettings(): void;
}): React.JSX.Element {
  const form = useSettingsForm(station);
  const tools = useStationInfo(station);
  const [sampleId, setSampleId] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const { draft, set } = form;
  // The setup names its destinations "origin" and "archive", starting from the built-in folder.
  useEffect(() => {
    if (draft && !draft.destinations.origin)
      set({ destinations: { origin: draft.destinations[draft.origin]! }, origin: 'origin', archive: undefined });
  }, [draft, set]);

  const originOk = form.tests.origin !== 'running' && !!form.tests.origin?.ok;
  const archiveOk = !draft?.archive || (form.tests.archive !== 'running' && !!form.tests.archive?.ok);
  const toolsOk = !!tools.info && !tools.info.toolsError;
  const why = !originOk
    ? 'Test the origin first.'
    : !archiveOk
      ? 'Test the archive first (or leave it out).'
      : 'ffmpeg must be found first.';
  const run = async (): Promise<void> => {
    setError(undefined);
    setBusy(true);
    onBusy();
    try {
      if (!(await form.save())) return;
      tools.recheck();
      setSampleId((await station.runSample()).id);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="setup" aria-labelledby="setup-title" data-testid="first-run">
      <h2 id="setup-title">Set up this station</h2>
      <p className="setup__lead">
        Four steps, a few minutes: where packages go, where masters are kept, ffmpeg, and a sample delivered end to end.
        Masters are taken once the origin is set.{' '}
        <button type="button" className="linkish" onClick={onSettings}>
          Show every setting
        </button>
      </p>
      <div className="dropzone dropzone--compact dropzone--closed" data-testid="dropzone">
        <p className="dropzone__title">Masters dropped here are taken once the origin is set (step 4 saves it).</p>
      </div>
      {drop.error && (
        <p className="banner banner--error" role="alert" data-testid="add-error">
          {drop.error}
        </p>
      )}
      {!draft ? (
        <p>{form.status?.text ?? 'Loading…'}</p>
      ) : (
        <ol className="steps">
          <OriginStep form={form} />
          <ArchiveStep form={form} />
          <ToolsStep form={form} info={tools.info} recheck={tools.recheck} />
          <SampleStep
            ready={originOk && archiveOk && toolsOk}
            why={why}
            sample={jobs.find((j) => j.id === sampleId)}
            busy={busy}
            error={error ?? (form.status && !form.status.ok ? form.status.text : undefined)}
            onRun={() => void run()}
            onDone={onDone}
          />
        </ol>
      )}
    </section>
  );
}
