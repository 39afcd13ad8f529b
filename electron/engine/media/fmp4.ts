/**
 * Fragmented MP4 (CMAF) as the station needs it, read with mp4box (GPAC's parser; the only module
 * that uses it): an init segment's tracks (codec strings for CODECS, timescale, picture size,
 * channels), a media segment's fragment (sequence number, base decode time, samples with sizes,
 * durations and sync flags), the byte range of its first sample for I-frame playlists, and
 * `retimeSegment`, which moves a segment on the timeline by rewriting its fixed-size fields in
 * place (mfhd sequence number, tfdt base media decode time, sidx earliest presentation time) — what
 * makes the segments of a resumed encode continue the timeline of the run before it.
 */
import { createFile, MP4BoxBuffer, type ISOFile } from 'mp4box';

export interface InitTrack {
  id: number;
  kind: 'video' | 'audio' | 'other';
  /** RFC 6381 codec string, e.g. avc1.64001f, mp4a.40.2, ac-3. */
  codec: string;
  timescale: number;
  width?: number;
  height?: number;
  channels?: number;
  sampleRate?: number;
}

export interface FragmentSample {
  size: number;
  /** In the track's timescale. */
  duration: number;
  /** Composition time offset (presentation − decode), timescale units. */
  compositionOffset: number;
  sync: boolean;
}

export interface SegmentInfo {
  sequence: number;
  trackId: number;
  /** tfdt: decode time of the first sample, timescale units. */
  baseDecodeTime: number;
  samples: FragmentSample[];
  /** Sum of the sample durations, timescale units. */
  duration: number;
  /** Bytes [0, end) hold every box before the first sample's data plus that sample: an I-frame byte range. */
  firstSampleEnd: number;
}

function parse(bytes: Uint8Array): ISOFile {
  const file = createFile(false);
  file.onError = () => undefined;
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(ab, 0));
  file.flush();
  return file;
}

export function initTracks(bytes: Uint8Array): InitTrack[] {
  const file = parse(bytes);
  const info = file.getInfo();
  return info.tracks.map((t) => {
    const video = t.video as { width: number; height: number } | undefined;
    const audio = t.audio as { channel_count: number; sample_rate: number } | undefined;
    return {
      id: t.id,
      kind: video ? 'video' : audio ? 'audio' : 'other',
      codec: t.codec,
      timescale: t.timescale,
      ...(video ? { width: video.width, height: video.height } : {}),
      ...(audio ? { channels: audio.channel_count, sampleRate: audio.sample_rate } : {}),
    };
  });
}

/** sample_flags: sample_depends_on (2 bits at 24) = 2 or sample_is_non_sync_sample (bit 16) = 0 → sync. */
const isSync = (flags: number): boolean => ((flags >> 16) & 1) === 0;

interface TrafLike {
  tfhd: {
    track_id: number;
    flags: number;
    default_sample_duration?: number;
    default_sample_size?: number;
    default_sample_flags?: number;
  };
  tfdt: { baseMediaDecodeTime: number; start: number; version: number };
  truns: Array<{
    flags: number;
    sample_count: number;
    data_offset?: number;
    first_sample_flags?: number;
    sample_duration?: number[];
    sample_size?: number[];
    sample_flags?: number[];
    sample_composition_time_offset?: number[];
  }>;
}

export function segmentInfo(bytes: Uint8Array): SegmentInfo {
  const file = parse(bytes);
  const moof = file.boxes.find((b) => b.type === 'moof') as unknown as
    { start: number; mfhd: { sequence_number: number; start: number }; trafs: TrafLike[] } | undefined;
  if (!moof || moof.trafs.length !== 1)
    throw new Error('not a single-track CMAF media segment (no moof with one traf)');
  const traf = moof.trafs[0]!;
  const samples: FragmentSample[] = [];
  let firstDataOffset: number | undefined;
  for (const trun of traf.truns) {
    if (firstDataOffset === undefined && trun.data_offset !== undefined) firstDataOffset = trun.data_offset;
    for (let i = 0; i < trun.sample_count; i++) {
      const flags =
        trun.sample_flags?.[i] ??
        (i === 0 && trun.first_sample_flags !== undefined
          ? trun.first_sample_flags
          : (traf.tfhd.default_sample_flags ?? 0));
      samples.push({
        size: trun.sample_size?.[i] ?? traf.tfhd.default_sample_size ?? 0,
        duration: trun.sample_duration?.[i] ?? traf.tfhd.default_sample_duration ?? 0,
        compositionOffset: trun.sample_composition_time_offset?.[i] ?? 0,
        sync: isSync(flags),
      });
    }
  }
  // With default-base-is-moof (CMAF), trun data_offset counts from the moof's first byte.
  const dataStart = moof.start + (firstDataOffset ?? 0);
  return {
    sequence: moof.mfhd.sequence_number,
    trackId: traf.tfhd.track_id,
    baseDecodeTime: traf.tfdt.baseMediaDecodeTime,
    samples,
    duration: samples.reduce((n, s) => n + s.duration, 0),
    firstSampleEnd: dataStart + (samples[0]?.size ?? 0),
  };
}

/**
 * The same segment moved on the timeline: sequence number and decode time set to the given values
 * (the sidx's earliest presentation time moved by the same amount). Fields are rewritten in place,
 * so every size and offset in the segment stays valid.
 */
export function retimeSegment(bytes: Uint8Array, to: { sequence: number; baseDecodeTime: number }): Buffer {
  const file = parse(bytes);
  const out = Buffer.from(bytes);
  const moof = file.boxes.find((b) => b.type === 'moof') as unknown as { mfhd: { start: number }; trafs: TrafLike[] };
  const tfdt = moof.trafs[0]!.tfdt;
  const shift = to.baseDecodeTime - tfdt.baseMediaDecodeTime;
  // FullBox: 8 bytes of header, 4 of version and flags, then the fields.
  out.writeUInt32BE(to.sequence, moof.mfhd.start + 12);
  if (tfdt.version === 1) out.writeBigUInt64BE(BigInt(to.baseDecodeTime), tfdt.start + 12);
  else out.writeUInt32BE(to.baseDecodeTime, tfdt.start + 12);
  for (const sidx of file.boxes.filter((b) => b.type === 'sidx') as unknown as Array<{
    start: number;
    version: number;
    earliest_presentation_time: number;
  }>) {
    // sidx: header, version/flags, reference_ID (4), timescale (4), earliest_presentation_time.
    const at = sidx.start + 20;
    const ept = sidx.earliest_presentation_time + shift;
    if (sidx.version === 1) out.writeBigUInt64BE(BigInt(ept), at);
    else out.writeUInt32BE(ept, at);
  }
  return out;
}
