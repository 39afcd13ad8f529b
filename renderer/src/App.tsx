/**
 * The window: header, the view chosen (the queue — or the first-run setup until an origin is set —
 * the dashboard, the library, the farm, settings), and the station's status line. Drops are taken
 * anywhere. The shell (app-context.ts) lets any part open Settings, open a title's ID field, or say
 * something in the status line.
 */
import { memo, useCallback, useEffect, useMemo, useState } from 'react';
import { AppHeader, type View } from './AppHeader';
import { AppShellContext, type AppShell } from './app-context';
import { Dashboard } from './dashboard/Dashboard';
import type { DetailTab } from './JobDetail';
import { useMasterDrop } from './DropZone';
import { Farm as PlainFarm } from './Farm';
import { FirstRun } from './setup/FirstRun';
import { LibraryView as PlainLibraryView } from './library/LibraryView';
import { QueueView } from './queue/QueueView';
import { useSelection } from './queue/useSelection';
import { Settings as PlainSettings } from './Settings';
import { getStation } from './station';
import { StationFooter as PlainStationFooter } from './StationFooter';
import { useJobs } from './useJobs';
import { useSetup } from './useSetup';

// Their props do not change with the jobs: job updates (up to 10 per second per title) must not re-render them.
const StationFooter = memo(PlainStationFooter);
const LibraryView = memo(PlainLibraryView);
const Farm = memo(PlainFarm);
const Settings = memo(PlainSettings);

export function App(): React.JSX.Element {
  const station = useMemo(() => getStation(), []);
  const { jobs, engine } = useJobs(station);
  const setup = useSetup(station);
  const [view, setView] = useState<View>('queue');
  const selection = useSelection();
  // The tab stays as the operator moves between titles (comparing titles tab by tab).
  const [tab, setTab] = useState<DetailTab>('Overview');
  const [notice, setNotice] = useState<{ text: string; level: 'ok' | 'error' }>();
  // A result fades after a while; a refusal stays until it is dismissed.
  useEffect(() => {
    if (notice?.level !== 'ok') return;
    const t = setTimeout(() => setNotice(undefined), 12_000);
    return () => clearTimeout(t);
  }, [notice]);
  // Refused only once the engine has said no origin is saved (the engine refuses in any case).
  const drop = useMasterDrop(station, setup.saved !== false);
  const [titleIdFor, setTitleIdFor] = useState<{ jobId: string }>();
  const shell = useMemo<AppShell>(
    () => ({
      openSettings: () => setView('settings'),
      editTitleId: (jobId) => {
        setView('queue');
        selection.select(jobId);
        setTab('Overview');
        setTitleIdFor({ jobId });
      },
      notice: (text, level = 'ok') => setNotice({ text, level }),
      ...(titleIdFor ? { titleIdFor } : {}),
    }),
    [selection, titleIdFor],
  );
  // The setup stays while it saves and runs its sample (settings are saved by then), until it is done.
  const [inSetup, setInSetup] = useState(false);
  const firstRun = (setup.saved === false || inSetup) && view === 'queue';
  const { recheck } = setup;
  const closeSettings = useCallback(() => (recheck(), setView('queue')), [recheck]);
  return (
    <AppShellContext.Provider value={shell}>
      <main className={`app${drop.over ? ' app--drop' : ''}`} {...drop.handlers}>
        {drop.over && (
          <div className="app__drop" aria-hidden="true">
            {setup.saved ? 'Drop to add these masters' : 'Set the origin first: masters are not taken yet'}
          </div>
        )}
        <AppHeader station={station} jobs={jobs} view={view} onView={setView} />
        {!engine.connected && (
          <p className="banner banner--warn" role="status" data-testid="engine-banner">
            Engine unavailable — {engine.reason ?? 'reconnecting'}. Nothing is lost: titles continue from their last
            completed step when it is back.
          </p>
        )}
        {notice && (
          <p
            className={`banner banner--${notice.level} app__notice`}
            role={notice.level === 'error' ? 'alert' : 'status'}
            data-testid="notice"
          >
            {notice.text}
            <button type="button" className="linkish" onClick={() => setNotice(undefined)} aria-label="Dismiss">
              ✕
            </button>
          </p>
        )}
        <div className="app__view">
          {firstRun ? (
            <FirstRun
              station={station}
              jobs={jobs}
              drop={drop}
              onBusy={() => setInSetup(true)}
              onDone={() => (setInSetup(false), setup.recheck())}
              onSettings={() => setView('settings')}
            />
          ) : view === 'queue' ? (
            <QueueView jobs={jobs} station={station} selection={selection} tab={tab} onTab={setTab} drop={drop} />
          ) : view === 'dashboard' ? (
            <Dashboard jobs={jobs} station={station} />
          ) : view === 'library' ? (
            <LibraryView station={station} />
          ) : view === 'farm' ? (
            <Farm station={station} />
          ) : (
            <Settings station={station} onClose={closeSettings} />
          )}
        </div>
        <StationFooter station={station} />
      </main>
    </AppShellContext.Provider>
  );
}
