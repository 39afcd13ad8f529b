/**
 * An optional DASH manifest over the same CMAF segments as the HLS package: one static MPD whose
 * SegmentLists name the fMP4 init and media segments the HLS playlists name, an audio adaptation
 * set per language (role main or alternate; audio description flagged), and each subtitle track as
 * one WebVTT file (text/vtt), so one set of chunks serves both protocols. Never for an AES-128
 * package (DASH has no whole-segment AES-128); a DRM package carries ContentProtection per set.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DASH_MANIFEST } from '../../common/manifest.js';
import type { TranscodePlan } from '../plan/plan.js';
import type { ChunkJournal } from './chunk-journal.js';
import { rates, renditionFiles, type DrmSignalling, type RenditionFiles } from './playlists.js';
import { audioDir } from './audio-encoder.js';
import { FULL_VTT, subtitleDir } from './subtitle-writer.js';

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
const iso = (seconds: number): string => `PT${seconds.toFixed(3)}S`;

/**
 * The rendition's segments on its own track clock (fragment decode times and durations exactly as
 * the fMP4 holds them: milliseconds would drift 0.3 ms per AAC segment, 0.4 s over a feature).
 */
function segmentList(r: RenditionFiles, zeroSec: number): string[] {
  const exact = r.chunks.every((c) => c.timescale && c.duration !== undefined && c.tfdt !== undefined);
  const timescale = exact ? r.chunks[0]!.timescale! : 1000;
  const timeline = r.chunks
    .map(
      (c, i) =>
        `<S${i === 0 && exact ? ` t="${c.tfdt}"` : ''} d="${exact ? c.duration : Math.round((c.end - c.start) * 1000)}"/>`,
    )
    .join('');
  // The Period starts with the first frame (presented after the B-frame delay): the side-loaded
  // WebVTT cues, on the Period's clock, then meet the picture they were written for.
  const pto = exact ? Math.round(zeroSec * timescale) : 0;
  return [
    `        <SegmentList timescale="${timescale}"${pto ? ` presentationTimeOffset="${pto}"` : ''}>`,
    `          <Initialization sourceURL="${xml(r.init!.path)}"/>`,
    `          <SegmentTimeline>${timeline}</SegmentTimeline>`,
    ...r.chunks.map((c) => `          <SegmentURL media="${xml(c.path)}"/>`),
    `        </SegmentList>`,
  ];
}

export async function writeDashManifest(o: {
  plan: TranscodePlan;
  journal: ChunkJournal;
  packageDir: string;
  frameRate?: number;
  /** A DRM title: ContentProtection per AdaptationSet, one AdaptationSet per video key (SD and HD apart). */
  drm?: DrmSignalling;
}): Promise<string> {
  const { plan } = o;
  const files = renditionFiles(plan, o.journal);
  const duration = Math.max(...[...files.video.values()].map((r) => r.chunks.at(-1)?.end ?? 0));
  const zero = o.journal.inits.get(plan.rungs[0]!.name)?.presentationOffset ?? 0;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"${o.drm ? ` ${o.drm.dashNamespaces}` : ''} profiles="urn:mpeg:dash:profile:isoff-on-demand:2011,http://dashif.org/guidelines/dash264" type="static" mediaPresentationDuration="${iso(duration)}" minBufferTime="PT2S">`,
    '  <Period id="0" start="PT0S">',
  ];
  // One video AdaptationSet, or with DRM one per key: a player switches only within a set, and a
  // licence may grant SD without HD.
  const sets = new Map<string, typeof plan.rungs>();
  for (const r of plan.rungs) {
    const k = o.drm?.adaptationKey(r.name) ?? '';
    sets.set(k, [...(sets.get(k) ?? []), r]);
  }
  [...sets.values()].forEach((rungs, n) => {
    out.push(
      `    <AdaptationSet id="${n === 0 ? 'video' : `video-${n}`}" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1">`,
      ...(o.drm?.contentProtection(rungs[0]!.name).map((l) => `      ${l}`) ?? []),
    );
    for (const r of rungs) {
      const v = files.video.get(r.name)!;
      out.push(
        `      <Representation id="${xml(r.name)}" bandwidth="${rates(v).average}" codecs="${xml(v.init!.codec)}" width="${r.width}" height="${r.height}"${o.frameRate ? ` frameRate="${Math.round(o.frameRate * 1000)}/1000"` : ''}>`,
        ...segmentList(v, zero),
        '      </Representation>',
      );
    }
    out.push('    </AdaptationSet>');
  });
  for (const a of plan.audio) {
    const f = files.audio.get(a.name)!;
    out.push(
      `    <AdaptationSet id="${xml(a.name)}" contentType="audio" mimeType="audio/mp4"${a.language ? ` lang="${xml(a.language)}"` : ''} segmentAlignment="true" startWithSAP="1">`,
      `      <Label>${xml(a.label)}</Label>`,
      `      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="${a.default ? 'main' : a.describesVideo ? 'description' : 'alternate'}"/>`,
      ...(a.describesVideo
        ? ['      <Accessibility schemeIdUri="urn:tva:metadata:cs:AudioPurposeCS:2007" value="1"/>']
        : []),
      ...(o.drm?.contentProtection(audioDir(a)).map((l) => `      ${l}`) ?? []),
      `      <Representation id="${xml(a.name)}" bandwidth="${rates(f).average}" codecs="${xml(f.init!.codec)}" audioSamplingRate="48000">`,
      `        <AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="${a.channels}"/>`,
      ...segmentList(f, zero),
      '      </Representation>',
      '    </AdaptationSet>',
    );
  }
  for (const s of plan.subtitles) {
    out.push(
      `    <AdaptationSet id="${xml(`subs-${s.name}`)}" contentType="text" mimeType="text/vtt" lang="${xml(s.language)}">`,
      `      <Label>${xml(s.label)}</Label>`,
      `      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="${s.forced ? 'forced-subtitle' : s.sdh ? 'caption' : 'subtitle'}"/>`,
      `      <Representation id="${xml(`subs-${s.name}`)}" bandwidth="256"><BaseURL>${xml(`${subtitleDir(s)}/${FULL_VTT}`)}</BaseURL></Representation>`,
      '    </AdaptationSet>',
    );
  }
  out.push('  </Period>', '</MPD>', '');
  await writeFile(join(o.packageDir, DASH_MANIFEST), out.join('\n'));
  return DASH_MANIFEST;
}
