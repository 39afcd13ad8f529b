/**
 * The engine as the desktop app runs it: the settings store (credentials sealed by the platform's
 * secret box), the station opened from those settings, every UI operation, and the QC player's
 * media. Electron main wraps it in IPC and a protocol handler; the browser tests wrap the very same
 * object in the loopback bridge. Saving settings restarts the station: running titles are
 * interrupted like at shutdown and resume where they were (their journals are kept). The running
 * station's life (open, restart, close) is an AppStation; the Settings operations are
 * app-settings.ts.
 */
import type { AuditAlert } from './audit/alerts.js';
import { join } from 'node:path';
import type { EngineState } from '../common/api.js';
import { stationConfigSchema, type StationConfig } from '../common/config.js';
import type { JobSnapshot } from '../common/jobs.js';
import { createHandlers, type Handlers } from './api-handlers.js';
import type { S3Runtime } from './destinations/s3.js';
import { parseMediaPath, serveMedia, type MediaResponse } from './media/serve-media.js';
import type { SecretBox } from './settings/secret-box.js';
import { secretBoxSeal } from './drm/local-keys.js';
import { SettingsStore } from './settings/settings-store.js';
import { openStation, type Station } from './station.js';
import { appSettings } from './app-settings.js';
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
  const jobs = listeners<JobSnapshot>();
  const states = listeners<EngineState>();
  const alerts = listeners<AuditAlert>();
  const running = new AppStation(opts, settings, { job: jobs.emit, state: states.emit, alert: alerts.emit });
  await running.start();
  const handlers = createHandlers({
    station: () => running.current(),
    farm: () => running.farm.queue(),
    pickFiles: opts.pickFiles,
    notices: () => settings.notices,
    settings: appSettings({ userDataDir: opts.userDataDir, settings, station: running }),
  });
  onlyOnceAnOriginIsSet(handlers, settings);

  return {
    handlers,
    station: () => running.current(),
    onJobUpdate: jobs.on,
    onEngineState: states.on,
    onAlert: alerts.on,
    async media(pathname) {
      const req = parseMediaPath(pathname);
      if (!req) return { status: 400, contentType: 'text/plain', body: 'bad media path' };
      const s = running.current();
      return serveMedia(req, s.queue.get(req.jobId), s.origin);
    },
    close: () => running.close(),
  };
}

/** Who listens to one kind of the engine's events; `on` returns how to stop listening. */
function listeners<T>(): { on(listener: (value: T) => void): () => void; emit(value: T): void } {
  const set = new Set<(value: T) => void>();
  return {
    on(listener) {
      set.add(listener);
      return () => set.delete(listener);
    },
    emit(value) {
      for (const l of set) l(value);
    },
  };
}

/** Masters only once the operator has chosen where they go (the first-run setup, or Settings). */
function onlyOnceAnOriginIsSet(handlers: Handlers, settings: SettingsStore): void {
  const addMasters = handlers.addMasters;
  handlers.addMasters = async (...args) => {
    if (!(await settings.saved()))
      throw new StationError(
        'No origin is set yet: finish the setup (choose and test the origin) before adding masters — the station does not deliver to a place nobody chose.',
        'no-origin',
      );
    return addMasters(...args);
  };
}

/**
 * The station the app runs, from the saved settings, and the farm view Settings shows for them:
 * opened at start, replaced when settings are saved (its titles interrupted, resumed by the new
 * one), closed at quit. While there is none, every operation says why.
 */
class AppStation {
  private station: Station | undefined;
  private down = '';
  /** The farm Settings shows, for the settings the station runs with. */
  farm: FarmView = openFarmView(undefined);
  /** One meter for the app's life: the day's throughput survives the restart a save of settings makes. */
  private readonly meter = new ThroughputMeter();

  constructor(
    private readonly opts: AppEngineOptions,
    private readonly settings: SettingsStore,
    private readonly events: {
      job(job: JobSnapshot): void;
      state(state: EngineState): void;
      alert(alert: AuditAlert): void;
    },
  ) {}

  async start(): Promise<void> {
    this.station = await this.open();
  }

  current(): Station {
    if (!this.station) throw new StationError(`The engine is not running: ${this.down || 'restarting'}`, 'engine-down');
    return this.station;
  }

  /** The running station's work folder, if one runs. */
  workDir(): string | undefined {
    return this.station?.workDir;
  }

  /** The saved settings applied: the station stopped like at shutdown and opened again from them. */
  async restart(): Promise<void> {
    const old = this.station;
    this.station = undefined;
    this.stopped('applying new settings');
    await old?.close();
    try {
      this.station = await this.open();
      this.down = '';
      this.events.state({ connected: true });
    } catch (err) {
      this.stopped(`the new settings could not be applied: ${(err as Error).message}`);
      throw err;
    }
  }

  async close(): Promise<void> {
    const s = this.station;
    this.station = undefined;
    this.down = 'closed';
    await s?.close();
    await this.farm.close();
  }

  private stopped(why: string): void {
    this.down = why;
    this.events.state({ connected: false, reason: why });
  }

  private async open(): Promise<Station> {
    const { opts } = this;
    const config = await this.settings.load();
    await this.farm.close();
    this.farm = openFarmView(config.farm?.url);
    const s = await openStation({
      config,
      baseDir: opts.userDataDir,
      watch: opts.watch ?? true,
      scheduleAudits: opts.watch ?? true,
      onAlert: (alert) => this.events.alert(alert),
      // Local DRM keys sealed by the platform's protected storage (safeStorage), as credentials are.
      drmSeal: secretBoxSeal(opts.secretBox),
      meter: this.meter,
      ...(opts.resourcesDir ? { resourcesDir: opts.resourcesDir } : {}),
      ...(opts.s3Runtime ? { s3Runtime: opts.s3Runtime } : {}),
    });
    s.queue.onUpdate((job) => this.events.job(job));
    return s;
  }
}
