/** A station farm's titles as every desktop and `farm list` see them. */
import type { JobSnapshot } from './jobs.js';

export type FarmState = 'waiting' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';
export const FARM_ACTIONS = ['pause', 'resume', 'cancel', 'retry', 'top'] as const;
export type FarmAction = (typeof FARM_ACTIONS)[number];

export interface FarmTitle {
  id: string;
  title: string;
  /** The master as the submitting machine named it. */
  masterPath: string;
  state: FarmState;
  /** The worker that holds it (running) or last held it. */
  worker?: string;
  /** Its worker's last snapshot: stages, progress, claim. */
  snapshot?: JobSnapshot;
  error?: string;
  priority: number;
  attempts: number;
  /** Epoch ms: when its last attempt started, and when it ended. */
  startedAt?: number;
  endedAt?: number;
}

export interface FarmView {
  /** The farm's Redis, without any password; undefined: no farm in Settings. */
  url?: string;
  titles: FarmTitle[];
  /** Redis settings that would lose titles, in sentences. */
  problems: string[];
  /** The farm could not be reached (the reason). */
  error?: string;
}
