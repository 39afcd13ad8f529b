/**
 * Benchmark: what DRM encryption costs per hour of content, against the encode of the clear package
 * measured in the same run. A generated 60 s 1080p ProRes master → the default ladder
 * (1080/720/540/360 + AAC, 6 s segments) with the station's own ffmpeg arguments; then every chunk
 * encrypted as the streamed pipeline will do it — one chunk at a time through drm/title-encryptor.ts
 * (cbcs and cenc), and decrypted again (verify's round trip) — and, as the peer, shaka-packager
 * encrypting the same renditions in one process per scheme. Target: encryption ≤ 5 % of the encode.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ladderProfilesSchema } from '../../electron/common/profile';
import { probeMaster } from '../../electron/engine/probe/probe-master';
import { planTranscode } from '../../electron/engine/plan/plan';
import { buildVideoArgs, runInitName } from '../../electron/engine/package/video-encoder';
import { buildAudioArgs } from '../../electron/engine/package/audio-encoder';
import { LocalKeyProvider, fileKeySeal } from '../../electron/engine/drm/local-keys';
import { fetchKeys } from '../../electron/engine/drm/key-provider';
import { TitleEncryptor, type RenditionInfo } from '../../electron/engine/drm/title-encryptor';
import type { DrmScheme } from '../../electron/engine/drm/keys';
import { makeMaster } from '../helpers/masters';
import { shakaPackager } from '../helpers/shaka-packager';
import { tempDir } from '../helpers/station';
import profiles from '../../resources/ladder-profiles.json';

const run = promisify(execFile);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

interface Rendition {
  info: RenditionInfo;
  init: Buffer;
  segments: Buffer[];
}

describe('DRM encryption benchmark', () => {
  it('encryption per hour of content vs the encode of the clear package', async () => {
    const dir = await tempDir('bench-drm-');
    const seconds = 60;
    const master = await makeMaster({
      seconds,
      width: 1920,
      height: 1080,
      codec: 'prores',
      name: 'bench-prores-1080p-60s.mov',
    });
    const media = (await probeMaster(master, { ffprobePath: 'ffprobe' })).media;
    const plan = planTranscode(media, { segmentSeconds: 6, profile: ladderProfilesSchema.parse(profiles).default! });
    const out = join(dir, 'clear');
    for (const r of plan.rungs) await mkdir(join(out, r.name), { recursive: true });
    for (const a of plan.audio) await mkdir(join(out, a.name), { recursive: true });
    const v = buildVideoArgs(plan, out);
    const a = buildAudioArgs(plan, out);
    const ff = (args: string[]) =>
      run('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], { timeout: 900_000 });
    const encode = await timed(() =>
      Promise.all([
        ff([...v.inputOptions, '-i', master, ...v.outputOptions, v.output]),
        ff(['-i', master, ...a.outputOptions, a.output]),
      ]),
    );

    const load = async (name: string, init: string, info: RenditionInfo): Promise<Rendition> => {
      const files = (await readdir(join(out, name))).filter((f) => f.endsWith('.m4s')).sort();
      return {
        info,
        init: await readFile(join(out, name, init)),
        segments: await Promise.all(files.map((f) => readFile(join(out, name, f)))),
      };
    };
    const renditions = [
      ...(await Promise.all(
        plan.rungs.map((r) =>
          load(r.name, runInitName(plan, r.name), { name: r.name, kind: 'video', height: r.height }),
        ),
      )),
      ...(await Promise.all(plan.audio.map((x) => load(x.name, 'init.mp4', { name: x.name, kind: 'audio' })))),
    ];
    const bytes = renditions.reduce((n, r) => n + r.segments.reduce((m, s) => m + s.length, 0), 0);
    const chunks = renditions.reduce((n, r) => n + r.segments.length, 0);

    const provider = new LocalKeyProvider(join(dir, 'keys'), fileKeySeal(join(dir, 'keys', 'station.key')));
    const station = async (scheme: DrmScheme): Promise<{ encrypt: number; roundTrip: number }> => {
      const keyPlan = await provider.plan(
        { scheme, systems: ['widevine', 'playready'], trackKeys: 'audio-sd-hd' },
        `bench-${scheme}`,
        10,
      );
      const enc = new TitleEncryptor(keyPlan, (await fetchKeys(provider, keyPlan)).keys);
      const encrypted: Buffer[][] = [];
      const inits: Buffer[] = [];
      // The pipeline's unit of work: one chunk as verify proves it (its clear hash is already known).
      const encrypt = await timed(async () => {
        for (const r of renditions) {
          inits.push(enc.init(r.info, r.init));
          encrypted.push(
            r.segments.map(
              (s, i) => enc.chunk(r.info, r.init, i, s, createHash('sha256').update(s).digest('hex')).bytes,
            ),
          );
        }
      });
      const roundTrip = await timed(async () => {
        renditions.forEach((r, k) =>
          encrypted[k]!.forEach((e, i) => {
            if (!enc.decrypt(inits[k]!, e).equals(r.segments[i]!)) throw new Error('round trip differs');
          }),
        );
      });
      return { encrypt, roundTrip };
    };
    const cbcs = await station('cbcs');
    const cenc = await station('cenc');

    // Peer: shaka-packager, one process for all renditions, raw keys, no clear lead.
    const peer = async (scheme: DrmScheme): Promise<number> => {
      const args: string[] = [];
      for (const [k, r] of renditions.entries()) {
        const input = join(dir, `in-${k}.mp4`);
        await writeFile(input, Buffer.concat([r.init, ...r.segments]));
        args.push(
          `in=${input},stream=${r.info.kind},init_segment=${dir}/sp-${scheme}-${k}/init.mp4,segment_template=${dir}/sp-${scheme}-${k}/$Number$.m4s,drm_label=K`,
        );
      }
      const key = `label=K:key_id=${'ab'.repeat(16)}:key=${'cd'.repeat(16)}`;
      return timed(() =>
        shakaPackager([
          ...args,
          '--enable_raw_key_encryption',
          '--protection_scheme',
          scheme,
          '--keys',
          key,
          '--protection_systems',
          'Widevine,PlayReady',
          '--clear_lead',
          '0',
          '--segment_duration',
          '6',
        ]),
      );
    };
    const shakaCbcs = await peer('cbcs');
    const shakaCenc = await peer('cenc');

    const perHour = (s: number): string => `${((s * 3600) / seconds).toFixed(1)} s/hour`;
    const pct = (s: number): string => `${((s / encode) * 100).toFixed(2)} %`;
    console.log(
      [
        `DRM encryption, ${seconds} s 1080p master → ${plan.rungs.length} rungs + ${plan.audio.length} audio, ${chunks} chunks, ${(bytes / 1e6).toFixed(1)} MB`,
        `  encode of the clear package          ${encode.toFixed(2)} s`,
        `  station cbcs, chunk by chunk          ${cbcs.encrypt.toFixed(3)} s (${perHour(cbcs.encrypt)}) = ${pct(cbcs.encrypt)} of the encode`,
        `  station cenc, chunk by chunk          ${cenc.encrypt.toFixed(3)} s (${perHour(cenc.encrypt)}) = ${pct(cenc.encrypt)} of the encode`,
        `  verify round trip (decrypt, compare)  cbcs ${cbcs.roundTrip.toFixed(3)} s, cenc ${cenc.roundTrip.toFixed(3)} s`,
        `  peer shaka-packager (whole streams)   cbcs ${shakaCbcs.toFixed(2)} s, cenc ${shakaCenc.toFixed(2)} s → station/peer ${(cbcs.encrypt / shakaCbcs).toFixed(2)}× / ${(cenc.encrypt / shakaCenc).toFixed(2)}×`,
      ].join('\n'),
    );
    expect(cbcs.encrypt).toBeGreaterThan(0);
    await rm(dir, { recursive: true, force: true });
  });
});
