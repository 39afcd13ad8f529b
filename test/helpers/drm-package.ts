/**
 * An encrypted tiny package for the DRM integration, browser and benchmark tests: the clear CMAF
 * package of test/helpers/cmaf.ts encrypted chunk by chunk with drm/title-encryptor.ts, keys from a
 * key provider, with HLS playlists and a DASH manifest whose key signalling comes from
 * drm/signalling.ts (the playlist writers' own wiring is the next step; these are minimal writers).
 */
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createHash } from 'node:crypto';
import { fetchKeys, type KeyProvider } from '../../electron/engine/drm/key-provider';
import type { DrmOptions, KeyPlan, KeySet } from '../../electron/engine/drm/keys';
import {
  DASH_DRM_NAMESPACES,
  dashContentProtection,
  hlsMediaKeyTags,
  hlsSessionKeyTags,
} from '../../electron/engine/drm/signalling';
import { TitleEncryptor, periodOf, type RenditionInfo } from '../../electron/engine/drm/title-encryptor';
import { initTracks, segmentInfo } from '../../electron/engine/media/fmp4';
import type { CmafRendition } from './cmaf';

export interface DrmPackage {
  dir: string;
  plan: KeyPlan;
  keys: KeySet;
  encryptor: TitleEncryptor;
  renditions: Array<CmafRendition & { info: RenditionInfo; codec: string; durations: number[]; out: string }>;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export async function encryptPackage(
  clear: CmafRendition[],
  out: string,
  provider: KeyProvider,
  options: DrmOptions,
): Promise<DrmPackage> {
  const segments = Math.max(...clear.map((r) => r.segments.length));
  const plan = await (provider.plan?.(options, 'tiny--v1', segments) ?? Promise.reject(new Error('no plan')));
  const { keys } = await fetchKeys(provider, plan);
  const encryptor = new TitleEncryptor(plan, keys);
  const renditions: DrmPackage['renditions'] = [];
  for (const r of clear) {
    const info: RenditionInfo = { name: r.name, kind: r.kind, ...(r.height ? { height: r.height } : {}) };
    const dir = join(out, r.name);
    await mkdir(dir, { recursive: true });
    const init = await readFile(r.init);
    await writeFile(join(dir, 'init.mp4'), encryptor.init(info, init));
    const durations: number[] = [];
    const track = initTracks(init)[0]!;
    for (const [i, file] of r.segments.entries()) {
      const bytes = await readFile(file);
      durations.push(segmentInfo(bytes).duration / track.timescale);
      await writeFile(join(dir, basename(file)), encryptor.chunk(info, init, i, bytes, sha256(bytes)).bytes);
    }
    renditions.push({ ...r, info, codec: track.codec, durations, out: dir });
  }
  const pkg = { dir: out, plan, keys, encryptor, renditions };
  await writeHls(pkg);
  await writeDash(pkg);
  return pkg;
}

async function writeHls(p: DrmPackage): Promise<void> {
  const session = new Set<string>();
  for (const r of p.renditions) {
    const period = (i: number): number => periodOf(p.plan.options, i);
    for (let k = 0; k <= period(r.segments.length - 1); k++)
      for (const t of hlsSessionKeyTags(p.encryptor.signalling(r.info, k))) session.add(t);
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:6',
      `#EXT-X-TARGETDURATION:${Math.ceil(Math.max(...r.durations))}`,
      '#EXT-X-PLAYLIST-TYPE:VOD',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-MAP:URI="init.mp4"',
      ...r.segments.flatMap((s, i) => [
        // A key period's tags before its first segment (rotation); without rotation, once.
        ...(i === 0 || period(i) !== period(i - 1) ? hlsMediaKeyTags(p.encryptor.signalling(r.info, period(i))) : []),
        `#EXTINF:${r.durations[i]!.toFixed(6)},`,
        basename(s),
      ]),
      '#EXT-X-ENDLIST',
      '',
    ];
    await writeFile(join(r.out, 'index.m3u8'), lines.join('\n'));
  }
  const audio = p.renditions.find((r) => r.kind === 'audio')!;
  const master = [
    '#EXTM3U',
    '#EXT-X-VERSION:6',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    ...session,
    `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="Audio",DEFAULT=YES,AUTOSELECT=YES,URI="${audio.name}/index.m3u8"`,
    ...p.renditions
      .filter((r) => r.kind === 'video')
      .flatMap((r) => [
        `#EXT-X-STREAM-INF:BANDWIDTH=${r.height! > 576 ? 1500000 : 700000},CODECS="${r.codec},${audio.codec}",RESOLUTION=${r.height! > 576 ? '1136x640' : '640x360'},AUDIO="aac"`,
        `${r.name}/index.m3u8`,
      ]),
    '',
  ];
  await writeFile(join(p.dir, 'master.m3u8'), master.join('\n'));
}

async function writeDash(p: DrmPackage): Promise<void> {
  const total = Math.max(...p.renditions.map((r) => r.durations.reduce((a, b) => a + b, 0)));
  // One AdaptationSet per key (DASH-IF IOP: one default_KID per AdaptationSet): HD, SD, audio.
  const sets = p.renditions.map((r, i) => {
    const cp = dashContentProtection(p.encryptor.signalling(r.info));
    const timeline = r.durations.map((d) => `<S d="${Math.round(d * 1000)}"/>`).join('');
    const rep =
      r.kind === 'video'
        ? `<Representation id="${r.name}" bandwidth="${r.height! > 576 ? 1500000 : 700000}" codecs="${r.codec}" width="${r.height! > 576 ? 1136 : 640}" height="${r.height}">`
        : `<Representation id="${r.name}" bandwidth="96000" codecs="${r.codec}" audioSamplingRate="48000">`;
    return [
      `<AdaptationSet id="${i}" contentType="${r.kind}" mimeType="${r.kind}/mp4" segmentAlignment="true"${r.kind === 'audio' ? ' lang="en"' : ''}>`,
      ...cp,
      `<SegmentTemplate timescale="1000" initialization="$RepresentationID$/init.mp4" media="$RepresentationID$/seg_$Number%05d$.m4s" startNumber="0"><SegmentTimeline>${timeline}</SegmentTimeline></SegmentTemplate>`,
      rep,
      '</Representation></AdaptationSet>',
    ].join('\n');
  });
  const mpd = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" ${DASH_DRM_NAMESPACES} profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static" minBufferTime="PT2S" mediaPresentationDuration="PT${total.toFixed(3)}S">`,
    '<Period id="0" start="PT0S">',
    ...sets,
    '</Period></MPD>',
    '',
  ];
  await writeFile(join(p.dir, 'manifest.mpd'), mpd.join('\n'));
}

/** Files under `root` holding any of the keys — raw, hex or base64 (what "no key bytes" means). */
export async function keyBytesIn(root: string, keys: Buffer[]): Promise<string[]> {
  const hits: string[] = [];
  for (const name of await readdir(root, { recursive: true })) {
    const path = join(root, name);
    if (!(await stat(path)).isFile()) continue;
    const bytes = await readFile(path);
    for (const k of keys)
      for (const enc of [k, Buffer.from(k.toString('hex')), Buffer.from(k.toString('base64'))])
        if (bytes.includes(enc)) hits.push(name);
  }
  return hits;
}
