/**
 * Ladder profiles (resources/ladder-profiles.json): which rungs to make, at what bit rates, and —
 * for a per-title ladder (engine/ladder/) — the quality each rung must reach. The fixed ladder's
 * bit rate of a rung is its cap: a per-title ladder may spend less on a film that needs less,
 * never more (unless the rung names its own `maxKbps`).
 */
import { z } from 'zod';
import { strictObject } from './strict.js';

/** Quality targets: SSIM (0–1) where this ffmpeg has no libvmaf, VMAF (0–100) where it has. */
const targetFields = {
  /** SSIM of the rung against the master scaled to the rung's size (ffmpeg's ssim "All"). */
  ssim: z.number().min(0.8).max(0.9999).optional(),
  /** VMAF of the rung scaled to the top rung's size (libvmaf's default model). */
  vmaf: z.number().min(40).max(100).optional(),
};

export const ladderProfileSchema = strictObject({
  description: z.string().default(''),
  rungs: z
    .array(
      strictObject({
        height: z.number().int().min(90).max(4320),
        kbps: z.number().int().positive(),
        /** Only when the source is at least this tall (e.g. 2160p only from 2160p masters). */
        onlyFromHeight: z.number().int().positive().optional(),
        /** Per-title: never above this average bit rate (default: `kbps`, the fixed ladder's). */
        maxKbps: z.number().int().positive().optional(),
        /** Per-title: this rung's own quality target (default: the profile's `quality`). */
        ...targetFields,
      }),
    )
    .min(1),
  audioKbps: z.number().int().min(32).max(512),
  /** Also an AC-3 audio group (5.1 where the master has it, 2.0 otherwise) at this bit rate. */
  surroundKbps: z.number().int().min(96).max(640).optional(),
  /** Encrypt every title made with this profile (AES-128; the key URI comes from the settings). */
  encrypt: z.boolean().default(false),
  /**
   * "per-title": each rung's bit rate chosen from the film's measured complexity (engine/ladder/);
   * "fixed": the rungs' `kbps` for every film (what `--ladder fixed` and the config's `ladder` ask too).
   */
  ladder: z.enum(['per-title', 'fixed']).default('per-title'),
  /**
   * Trick-play thumbnails (engine/trickplay/): one every `intervalSec`, `width` px wide, tiled
   * `columns`×`rows` into JPEG sheets, announced by an HLS image playlist and a WebVTT track;
   * false: none.
   */
  trickplay: z
    .union([
      z.literal(false),
      strictObject({
        intervalSec: z.number().min(1).max(60).default(10),
        width: z.number().int().min(64).max(640).default(320),
        columns: z.number().int().min(1).max(10).default(5),
        rows: z.number().int().min(1).max(10).default(5),
      }),
    ])
    .default({ intervalSec: 10, width: 320, columns: 5, rows: 5 }),
  /** What a per-title ladder must reach, and what counts as a rung worth having. */
  quality: strictObject({
    /** Every rung's SSIM target unless it names its own (0.995: where a fixed 5 Mb/s 1080p sits on easy films). */
    ssim: z.number().min(0.8).max(0.9999).default(0.995),
    vmaf: z.number().min(40).max(100).default(95),
    /**
     * A rung must look better than the rung below by at least this much on the top rung's screen.
     * Measured on generated films: adjacent rungs of a sharp picture differ by 0.01–0.03 SSIM; a
     * soft one (detail of an eighth of its lines) by 0.002, which scaling alone costs.
     */
    minStepSsim: z.number().min(0).max(0.1).default(0.005),
    minStepVmaf: z.number().min(0).max(20).default(2),
  }).prefault({}),
});

export const ladderProfilesSchema = z.record(z.string().regex(/^[a-z0-9-]+$/), ladderProfileSchema);

export type LadderProfile = z.infer<typeof ladderProfileSchema>;
export type LadderProfileRung = LadderProfile['rungs'][number];
