/** Ladder profiles (resources/ladder-profiles.json): which rungs to make, at what bit rates. */
import { z } from 'zod';
import { strictObject } from './strict.js';

export const ladderProfileSchema = strictObject({
  description: z.string().default(''),
  rungs: z
    .array(
      strictObject({
        height: z.number().int().min(90).max(4320),
        kbps: z.number().int().positive(),
        /** Only when the source is at least this tall (e.g. 2160p only from 2160p masters). */
        onlyFromHeight: z.number().int().positive().optional(),
      }),
    )
    .min(1),
  audioKbps: z.number().int().min(32).max(512),
  /** Also an AC-3 audio group (5.1 where the master has it, 2.0 otherwise) at this bit rate. */
  surroundKbps: z.number().int().min(96).max(640).optional(),
  /** Encrypt every title made with this profile (AES-128; the key URI comes from the settings). */
  encrypt: z.boolean().default(false),
});

export const ladderProfilesSchema = z.record(z.string().regex(/^[a-z0-9-]+$/), ladderProfileSchema);

export type LadderProfile = z.infer<typeof ladderProfileSchema>;
