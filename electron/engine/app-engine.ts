/**
 * The engine as the desktop app runs it: the settings store (credentials sealed by the platform's
 * secret box), the station opened from those settings, every UI operation, and the QC player's
 * media. Electron main wraps it in IPC and a protocol handler; the browser tests wrap the very same
 * object in the loopback bridge. Saving settings restarts the station: running titles are
 * interrupted like at shutdown and resume where they were (their journals are kept).
 */
import type { AuditAlert } from './audit/alerts.js';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineState } from '../common/api.js';
import { credentialBinding, stationConfigSchema, type StationConfig } from '../common/config.js';
import type { SettingsView } from '../common/settings.js';
import type { StoreFacts } from '../common/store-facts.js';
import { FactsFile } from './destinations/facts-file.js';
import type { JobSnapshot } from '../common/jobs.js';
import { createHandlers, type Handlers } from './api-handlers.js';
import { checkConnection } from './destinations/check-connection.js';
import type { S3Runtime } from './destinations/s3.js';
import { parseMediaPath, serveMedia, type MediaResponse } from './media/serve-media.js';
import type { SecretBox } from './settings/secret-box.js';
import { secretBoxSeal } from './drm/local-keys.js';
import { SettingsStore, destinationWithoutCredentials } from './settings/settings-store.js';
import { openStation, type Station } from './station.js';
import { resolveWorkDir } from './settings/config-paths.js';
import { openFarmView, type FarmView } from './farm/farm-view.js';
import { StationError } from './util/errors.js';
import { ThroughputMeter } from './transfer/throughput-meter.js';

export interface AppEngineOptions {
  /** Where settings.json, credentials.json and (by default) the work folder live. */
  userDataDir: string;
  /** The default output folder goes under it until the operator configures destinations. */
  documentsDir: string;
  secretBox: SecretBox;
  resourcesDir?: string;
  pickFiles(): Promise<string[]>;
  /** Start the configured watch folders (default true). */
  watch?: boolean;
  s3Runtime?: Partial<S3Runtime>;
}

export interface AppEngine {
  readonly handlers: Handlers;
  station(): Station;
  onJobUpdate(listener: (job: JobSnapshot) => void): () => void;
  onEngineState(listener: (state: EngineState) => void): () => void;
  /** Problems the scheduled library audit found (the app shows OS notifications). */
  onAlert(listener: (alert: AuditAlert) => void): () => void;
  /** Answer a QC player request for "<jobId>/<local|origin>/<path>". */
  media(pathname: string): Promise<MediaResponse>;
  close(): Promise<void>;
}

export function defaultAppConfig(userDataDir: string, documentsDir: string): StationConfig {
  return stationConfigSchema.parse({
    destinations: { local: { type: 'folder', path: join(documentsDir, 'Ingest Station', 'Output') } },
    origin: 'local',
    workDir: join(userDataDir, 'work'),
  });
}

export async function openAppEngine(opts: AppEngineOptions): Promise<AppEngine> {
  const settings = new SettingsStore(opts.userDataDir, opts.secretBox, () =>
    defaultAppConfig(opts.userDataDir, opts.documentsDir),
  );
  // One meter for the app's life: the day's throughput survives the restart a save of settings makes.
  const meter = new ThroughputMeter();
  const jobListeners = new Set<(job: JobSnapshot) => void>();
  const stateListeners = new Set<(state: EngineState) => void>();
  const alertListeners = new Set<(alert: AuditAlert) => void>();
  const announce = (state: EngineState): void => {
    for (const l of stateListeners) l(state);
  };

  /** The farm Settings shows, for the settings the station runs with. */
  let farm: FarmView = openFarmView(undefined);
  const open = async (): Promise<Station> => {
    const config = await settings.load();
    await farm.close();
    farm = openFarmView(config.farm?.url);
    const s = await openStation({
      config,
      baseDir: opts.userDataDir,
      watch: opts.watch ?? true,
      scheduleAudits: opts.watch ?? true,
      onAlert: (alert) => alertListeners.forEach((l) => l(alert)),
      // Local DRM keys sealed by the platform's protected storage (safeStorage), as credentials are.
      drmSeal: secretBoxSeal(opts.secretBox),
      meter,
      ...(opts.resourcesDir ? { resourcesDir: opts.resourcesDir } : {}),
      ...(opts.s3Runtime ? { s3Runtime: opts.s3Runtime } : {}),
    });
    s.queue.onUpdate((job) => {
      for (const l of jobListeners) l(job);
    });
    return s;
  };

  let station: Station | undefined = await open();
  let down = '';
  /** The settings as saved, with what each destination's store proved when last probed (the claim protocol). */
  const withStoreFacts = async (view: SettingsView): Promise<SettingsView> => {
    const known = await new FactsFile(join(resolveWorkDir(view.config, opts.userDataDir), 'stores.json')).all();
    const stores: Record<string, StoreFacts> = {};
    for (const [name, d] of Object.entries(view.config.destinations)) {
      const f = d.type === 's3' ? known[credentialBinding(d)] : undefined;
      if (f) stores[name] = f;
    }
    return { ...view, stores };
  };
  const current = (): Station => {
    if (!station) throw new StationError(`The engine is not running: ${down || 'restarting'}`, 'engine-down');
    return station;
  };

  const handlers = createHandlers({
    station: current,
    farm: () => farm.queue(),
    pickFiles: opts.pickFiles,
    notices: () => settings.notices,
    settings: {
      view: async () => withStoreFacts(await settings.view()),
      async save(update) {
        // The work folder must be usable before anything is written or the station stopped.
        await mkdir(join(resolveWorkDir(update.config, opts.userDataDir), 'jobs'), { recursive: true }).catch(
          (err: Error) => {
            throw new StationError(`The work folder cannot be used: ${err.message}`, 'config-invalid');
          },
        );
        await settings.save(update);
        const old = station;
        station = undefined;
        down = 'applying new settings';
        announce({ connected: false, reason: down });
        await old?.close();
        try {
          station = await open();
          down = '';
          announce({ connected: true });
        } catch (err) {
          down = `the new settings could not be applied: ${(err as Error).message}`;
          announce({ connected: false, reason: down });
          throw err;
        }
        return withStoreFacts(await settings.view());
      },
      async test(name, destination, credentials) {
        const workDir = station?.workDir ?? join(opts.userDataDir, 'work');
        const journals = join(workDir, 'uploads');
        // Typed credentials go with the destination typed beside them. Stored ones go only to the
        // saved destination they are bound to: the renderer's endpoint and bucket are ignored, so
        // nothing signed with the real key can be sent to a host the renderer chose.
        if (credentials)
          return checkConnection(
            name,
            destination.type === 's3' ? { ...destination, ...credentials } : destination,
            opts.userDataDir,
            journals,
            workDir,
          );
        const saved = await settings.savedDestination(name);
        if (!saved) return checkConnection(name, destination, opts.userDataDir, journals, workDir);
        const cfg =
          saved.destination.type === 's3' && saved.credentials
            ? { ...saved.destination, ...saved.credentials }
            : saved.destination;
        const result = await checkConnection(name, cfg, opts.userDataDir, journals, workDir);
        const differs =
          JSON.stringify(saved.destination) !== JSON.stringify(destinationWithoutCredentials(destination));
        return differs
          ? {
              ...result,
              note: 'Tested the saved destination with its stored credentials: save the changes (or type the credentials) to test what the screen shows.',
            }
          : result;
      },
    },
  });

  // Masters only once the operator has chosen where they go (the first-run setup, or Settings).
  const addMasters = handlers.addMasters;
  handlers.addMasters = async (...args) => {
    if (!(await settings.saved()))
      throw new StationError(
        'No origin is set yet: finish the setup (choose and test the origin) before adding masters — the station does not deliver to a place nobody chose.',
        'no-origin',
      );
    return addMasters(...args);
  };

  return {
    handlers,
    station: current,
    onJobUpdate(listener) {
      jobListeners.add(listener);
      return () => jobListeners.delete(listener);
    },
    onEngineState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    onAlert(listener) {
      alertListeners.add(listener);
      return () => alertListeners.delete(listener);
    },
    async media(pathname) {
      const req = parseMediaPath(pathname);
      if (!req) return { status: 400, contentType: 'text/plain', body: 'bad media path' };
      const s = current();
      return serveMedia(req, s.queue.get(req.jobId), s.origin);
    },
    async close() {
      const s = station;
      station = undefined;
      down = 'closed';
      await s?.close();
      await farm.close();
    },
  };
}
