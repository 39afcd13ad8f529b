/**
 * The DRM wiring below the stages (issue #25): the config's drm section (strict, the issue's
 * defaults, FairPlay only with cbcs), the plan (CMAF only; DRM supersedes AES-128 and keeps DASH and
 * I-frame playlists), and StationDrm with local keys — key IDs planned once and kept on the job
 * without a key, a new process answering the same keys for the same IDs, the CPIX export
 * owner-only, SPEKE headers from the environment, and a farm worker refused local keys in a sentence.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drmSchema, stationConfigSchema } from '../../electron/common/config';
import type { MediaInfo } from '../../electron/common/media';
import { fileKeySeal } from '../../electron/engine/drm/local-keys';
import { FARM_LOCAL_KEYS, StationDrm } from '../../electron/engine/drm/station-drm';
import { planTranscode } from '../../electron/engine/plan/plan';
import { PREVIEW } from '../helpers/station';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'drm-wiring-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const media: MediaInfo = {
  container: 'mov',
  durationSec: 12,
  sizeBytes: 1_000_000,
  video: [{ index: 0, codec: 'h264', width: 1280, height: 720, frameRate: { num: 24, den: 1 } }],
  audio: [{ index: 1, codec: 'aac', channels: 2, sampleRate: 48000 }],
  subtitles: [],
};

const station = (extra: Record<string, unknown> = {}, farmWorker = false, env: NodeJS.ProcessEnv = {}) =>
  new StationDrm({
    config: drmSchema.parse({ enabled: true, ...extra }),
    keysDir: join(dir, 'keys'),
    seal: fileKeySeal(join(dir, 'keys', 'seal.key')),
    baseDir: dir,
    farmWorker,
    env,
  });

describe('the drm config section', () => {
  it("the issue's defaults: cbcs, all three systems, audio/SD/HD keys, local keys, no clear lead", () => {
    expect(drmSchema.parse({})).toEqual({
      enabled: false,
      scheme: 'cbcs',
      systems: ['widevine', 'playready', 'fairplay'],
      trackKeys: 'audio-sd-hd',
      keyProvider: { type: 'local' },
      clearLead: 0,
      rotateEvery: 0,
    });
  });

  it('refuses FairPlay with cenc, a misspelt key, a SPEKE URL with credentials or plain http to another host', () => {
    expect(drmSchema.safeParse({ scheme: 'cenc' }).error?.issues[0]?.message).toMatch(/FairPlay plays only cbcs/);
    expect(drmSchema.safeParse({ scheme: 'cenc', systems: ['widevine', 'playready'] }).success).toBe(true);
    expect(drmSchema.safeParse({ trackKey: 'single' }).error?.issues[0]?.message).toMatch(/did you mean "trackKeys"/);
    const speke = (url: string) => drmSchema.safeParse({ keyProvider: { type: 'speke', url } });
    expect(speke('https://user:pw@keys.example/speke').success).toBe(false);
    expect(speke('http://keys.example/speke').success).toBe(false);
    expect(speke('https://keys.example/speke').success).toBe(true);
    expect(
      stationConfigSchema.safeParse({
        destinations: { o: { type: 'folder', path: '/tmp/o' } },
        origin: 'o',
        drm: { enabled: true },
      }).success,
    ).toBe(true);
  });
});

describe('the plan of a DRM title', () => {
  it('keeps DASH and I-frame playlists, supersedes AES-128, and refuses MPEG-TS with a sentence', () => {
    const drm = { scheme: 'cbcs' as const, systems: ['widevine' as const], trackKeys: 'single' as const };
    const plan = planTranscode(media, {
      segmentSeconds: 2,
      profile: { ...PREVIEW, encrypt: true },
      dash: true,
      encryption: { enabled: true, keyUri: 'https://k.example/{keyId}' },
      drm,
    });
    expect(plan.drm).toEqual(drm);
    expect(plan.encryption).toBeUndefined();
    expect(plan.dash).toBe(true);
    expect(plan.iframes).toBe(true);
    expect(() => planTranscode(media, { segmentSeconds: 2, profile: PREVIEW, segmentFormat: 'ts', drm })).toThrow(
      /protects CMAF fMP4 segments, not MPEG-TS/,
    );
  });
});

describe('StationDrm with local keys', () => {
  const title = { id: 'job1', titleId: 'film', version: 'v1', segments: 6 };

  it('plans three key IDs once, keeps no key on the job, and a new process answers the same keys', async () => {
    const first = station();
    const drm = await first.prepare(title);
    expect(drm.plan.slots.map((s) => s.trackType).sort()).toEqual(['audio', 'hd', 'sd']);
    expect(drm.providerType).toBe('local');
    expect(Object.keys(drm.plan.checks ?? {})).toHaveLength(3);
    const keys = (await first.encryptor(title)).clearKeysForPlayer();
    for (const key of Object.values(keys)) expect(JSON.stringify(drm)).not.toContain(key);
    // The CPIX export for the key server: owner-only, and without a recipient no key in it.
    expect((await stat(drm.export!)).mode & 0o777).toBe(0o600);
    const cpix = await readFile(drm.export!, 'utf8');
    for (const kid of drm.plan.slots.map((s) => s.kid)) expect(cpix).toContain(kid);
    for (const key of Object.values(keys)) {
      expect(cpix).not.toContain(key);
      expect(cpix).not.toContain(Buffer.from(key, 'hex').toString('base64'));
    }
    // A restarted station (nothing in memory) asks for the job's key IDs again and gets the same keys.
    const again = await station().encryptor({ ...title, drm });
    expect(again.clearKeysForPlayer()).toEqual(keys);
    // A retry of the claim keeps the key IDs.
    const retried = await station().prepare({ ...title, drm });
    expect(retried.plan.slots).toEqual(drm.plan.slots);
  });

  it('a farm worker asked for local keys stops the title with a sentence', async () => {
    await expect(station({}, true).prepare({ ...title, id: 'job2' })).rejects.toThrow(FARM_LOCAL_KEYS);
    expect(FARM_LOCAL_KEYS).toMatch(/SPEKE service or a CPIX file/);
  });

  it('a SPEKE header "env:NAME" comes from the environment; unset, the title stops naming the variable only', async () => {
    const speke = {
      keyProvider: { type: 'speke', url: 'https://127.0.0.1:9/speke', headers: { 'x-api-key': 'env:KEY_T' } },
    };
    await expect(station(speke).provider(title)).rejects.toThrow(/environment variable KEY_T, which is not set/);
    const p = await station(speke, false, { KEY_T: 'sekrit' }).provider(title);
    expect(p.label).toBe('SPEKE key provider https://127.0.0.1:9/speke');
    expect(p.label).not.toContain('sekrit');
  });
});
