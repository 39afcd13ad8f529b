/**
 * The farm as Settings shows it: the app engine's, not the station's (a farm worker's station has
 * no use for it). Opened on first use — BullMQ is loaded only then — tried again after a failure,
 * and closed with the settings it was opened for.
 */
import { StationError } from '../util/errors.js';
import type { FarmQueue } from './farm-queue.js';

export interface FarmView {
  queue(): Promise<FarmQueue>;
  close(): Promise<void>;
}

export function openFarmView(url: string | undefined): FarmView {
  let farm: Promise<FarmQueue> | undefined;
  return {
    queue() {
      if (!url)
        return Promise.reject(new StationError('No farm is set: give its Redis URL in Settings → Farm', 'no-farm'));
      return (farm ??= import('./farm-queue.js')
        .then((m) => m.FarmQueue.open({ url }))
        .catch((err: unknown) => {
          farm = undefined; // tried again on the next call
          throw err;
        }));
    },
    async close() {
      await farm?.then(
        (f) => f.close(),
        () => undefined,
      );
    },
  };
}
