/**
 * Whether the station has been set up (settings saved: an origin chosen): asked at start and again
 * whenever the engine comes back (saving settings restarts it). Until it has, the window runs the
 * first-run setup instead of the queue and refuses masters.
 */
import { useCallback, useEffect, useState } from 'react';
import type { StationApi } from '../../electron/common/api';

export function useSetup(station: StationApi): { saved: boolean | undefined; recheck(): void } {
  const [saved, setSaved] = useState<boolean>();
  const recheck = useCallback(
    () =>
      void station.getSettings().then(
        (v) => setSaved(v.saved),
        () => undefined,
      ),
    [station],
  );
  useEffect(() => {
    recheck();
    return station.onEngineState((s) => s.connected && recheck());
  }, [station, recheck]);
  return { saved, recheck };
}
