/**
 * An optional DASH manifest over the same CMAF segments as the HLS package: one static MPD whose
 * SegmentLists point at the fMP4 init and media segments the HLS playlists already name, so one
 * set of chunks serves both protocols. Built from the (measured) master playlist.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import HLS from 'hls-parser';
import { MASTER_PLAYLIST } from '../../common/manifest.js';

export const DASH_MANIFEST = 'manifest.mpd';

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
const iso = (seconds: number): string => `PT${seconds.toFixed(3)}S`;

interface Track {
  id: string;
  bandwidth: number;
  codecs: string;
  attrs: string;
  init: string;
  segments: Array<{ uri: string; ms: number }>;
}

async function track(dir: string, uri: string, id: string, bandwidth: number, codecs: string, attrs: string): Promise<Track> {
  HLS.setOptions({ strictMode: false, silent: true });
  const media = HLS.parse(await readFile(join(dir, uri), 'utf8')) as HLS.types.MediaPlaylist;
  HLS.setOptions({ strictMode: true, silent: true });
  const base = posix.dirname(uri);
  const init = media.segments[0]?.map?.uri;
  if (!init) throw new Error(`${uri} has no init segment: DASH needs fMP4/CMAF segments`);
  return {
    id,
    bandwidth,
    codecs,
    attrs,
    init: posix.join(base, init),
    segments: media.segments.map((s) => ({ uri: posix.join(base, s.uri), ms: Math.round(s.duration * 1000) })),
  };
}

function representation(t: Track): string {
  const timeline = t.segments.map((s) => `<S d="${s.ms}"/>`).join('');
  return [
    `      <Representation id="${xml(t.id)}" bandwidth="${t.bandwidth}" codecs="${xml(t.codecs)}"${t.attrs}>`,
    `        <SegmentList timescale="1000">`,
    `          <Initialization sourceURL="${xml(t.init)}"/>`,
    `          <SegmentTimeline>${timeline}</SegmentTimeline>`,
    ...t.segments.map((s) => `          <SegmentURL media="${xml(s.uri)}"/>`),
    `        </SegmentList>`,
    `      </Representation>`,
  ].join('\n');
}

export async function writeDashManifest(dir: string): Promise<void> {
  const master = HLS.parse(await readFile(join(dir, MASTER_PLAYLIST), 'utf8')) as HLS.types.MasterPlaylist;
  const video: Track[] = [];
  const audio = new Map<string, Track>();
  for (const v of master.variants) {
    const [vc, ac] = (v.codecs ?? 'avc1.640028,mp4a.40.2').split(',');
    const fps = v.frameRate ? ` frameRate="${Math.round(v.frameRate * 1000)}/1000"` : '';
    const size = v.resolution ? ` width="${v.resolution.width}" height="${v.resolution.height}"` : '';
    video.push(await track(dir, v.uri, posix.dirname(v.uri), v.averageBandwidth ?? v.bandwidth, vc!, size + fps));
    for (const a of v.audio) {
      if (a.uri && !audio.has(a.uri)) audio.set(a.uri, await track(dir, a.uri, posix.dirname(a.uri), 128_000, ac ?? 'mp4a.40.2', ` audioSamplingRate="48000"`));
    }
  }
  const duration = Math.max(...video.map((t) => t.segments.reduce((n, s) => n + s.ms, 0))) / 1000;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011,http://dashif.org/guidelines/dash264" type="static" mediaPresentationDuration="${iso(duration)}" minBufferTime="PT2S">`,
    '  <Period id="0" start="PT0S">',
    '    <AdaptationSet id="0" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1">',
    ...video.map(representation),
    '    </AdaptationSet>',
    ...(audio.size
      ? ['    <AdaptationSet id="1" contentType="audio" mimeType="audio/mp4" segmentAlignment="true" startWithSAP="1">', ...[...audio.values()].map(representation), '    </AdaptationSet>']
      : []),
    '  </Period>',
    '</MPD>',
    '',
  ];
  await writeFile(join(dir, DASH_MANIFEST), out.join('\n'));
}
