import { useEffect, useState } from 'react';
import type { StationApi, StationInfo } from '../../electron/common/api';
import { ThroughputGraph, useThroughput } from './ThroughputGraph';

/** Which ffmpeg/ffprobe (and versions), which spec and where titles go — always visible. */
export function StationFooter({ station }: { station: StationApi }): React.JSX.Element | null {
  const [info, setInfo] = useState<StationInfo>();
  useEffect(() => {
    let live = true;
    const load = (): void =>
      void station.stationInfo().then(
        (i) => live && setInfo(i),
        () => undefined,
      );
    load();
    // Saved settings (or a crash) restart the engine: ask again what it now runs with.
    const off = station.onEngineState((s) => s.connected && load());
    return () => {
      live = false;
      off();
    };
  }, [station]);
  if (!info) return null;
  return (
    <footer className="footer" data-testid="station-info">
      {info.toolsError ? (
        <span className="job__error">{info.toolsError}</span>
      ) : (
        <span>
          ffmpeg {info.ffmpeg?.version} ({info.ffmpeg?.path}) · ffprobe {info.ffprobe?.version} ({info.ffprobe?.path}) ·
          spec “{info.spec}”
        </span>
      )}
      <span>
        {' · '}origin {info.origin}
        {info.archive ? ` · archive ${info.archive}` : ''}
      </span>
      <StationThroughput station={station} />
      {info.warnings?.map((w) => (
        <p key={w} className="footer__warning" role="status" data-testid="station-warning">
          ⚠ {w}
        </p>
      ))}
    </footer>
  );
}

/** The station's acknowledged MB/s and requests in flight, always in view. */
function StationThroughput({ station }: { station: StationApi }): React.JSX.Element {
  const view = useThroughput(station);
  return <ThroughputGraph series={view?.station} label="Station" width={180} height={28} showInFlight />;
}
