/**
 * The master playlist ffmpeg writes carries nominal bit rates × 1.1, not what was encoded. This
 * rewrites BANDWIDTH (peak segment bit rate) and AVERAGE-BANDWIDTH (mean) of every variant from
 * the segments on disk — video plus its audio group — and states FRAME-RATE, keeping ffmpeg's
 * CODECS, RESOLUTION and audio group.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import HLS from 'hls-parser';
import { MASTER_PLAYLIST } from '../../common/manifest.js';

interface Rates {
  peak: number;
  average: number;
}

async function measure(dir: string, playlistUri: string): Promise<Rates> {
  HLS.setOptions({ strictMode: false, silent: true });
  const media = HLS.parse(await readFile(join(dir, playlistUri), 'utf8')) as HLS.types.MediaPlaylist;
  HLS.setOptions({ strictMode: true, silent: true });
  let peak = 0;
  let bits = 0;
  let seconds = 0;
  for (const seg of media.segments) {
    const size = (await stat(join(dir, posix.dirname(playlistUri), seg.uri))).size;
    // Tail segments of a frame or two say nothing about the stream's peak rate.
    if (seg.duration >= media.targetDuration / 4) peak = Math.max(peak, (size * 8) / seg.duration);
    bits += size * 8;
    seconds += seg.duration;
  }
  return { peak: Math.ceil(peak || bits / Math.max(seconds, 1e-9)), average: Math.ceil(bits / Math.max(seconds, 1e-9)) };
}

export async function rewriteMasterPlaylist(dir: string, frameRate?: number): Promise<void> {
  const path = join(dir, MASTER_PLAYLIST);
  const master = HLS.parse(await readFile(path, 'utf8')) as HLS.types.MasterPlaylist;
  const audioRates = new Map<string, Rates>();
  for (const v of master.variants) {
    const video = await measure(dir, v.uri);
    let audio: Rates = { peak: 0, average: 0 };
    for (const a of v.audio) {
      if (!a.uri) continue;
      if (!audioRates.has(a.uri)) audioRates.set(a.uri, await measure(dir, a.uri));
      const r = audioRates.get(a.uri)!;
      audio = { peak: Math.max(audio.peak, r.peak), average: Math.max(audio.average, r.average) };
    }
    v.bandwidth = video.peak + audio.peak;
    v.averageBandwidth = video.average + audio.average;
    if (frameRate) v.frameRate = Math.round(frameRate * 1000) / 1000;
  }
  await writeFile(path, HLS.stringify(master) + '\n');
}
