/** The renderer's only door to the station: the API the preload (or the test bridge) installed. */
import { API_GLOBAL, type StationApi } from '../../electron/common/api';

export function getStation(): StationApi {
  const api = (globalThis as unknown as Record<string, StationApi | undefined>)[API_GLOBAL];
  if (!api) throw new Error('The station API is missing: the preload did not run.');
  return api;
}
