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
  /** Bytes [0, end) hold the whole fragment: every sample's data included. */
  dataEnd: number;
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

export function segmentInfo(bytes: Uint8Array, parsed?: ISOFile): SegmentInfo {
  const file = parsed ?? parse(bytes);
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
    dataEnd: dataStart + samples.reduce((n, s) => n + s.size, 0),
  };
}

/**
 * segmentInfo of a segment an encoder says it finished: one cut short (a full disk, a writer
 * stopped mid-file) still parses — its moof is whole, its mdat is not — and must not be published.
 */
export function finishedSegmentInfo(bytes: Uint8Array): SegmentInfo {
  const info = segmentInfo(bytes);
  if (info.dataEnd > bytes.byteLength)
    throw new Error(
      `a media segment cut short: its samples end at byte ${info.dataEnd}, the file holds ${bytes.byteLength} (a full disk or a writer stopped mid-file)`,
    );
  return info;
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

/** Where a box lies in the bytes (what the CENC encryptor rewrites). */
export interface BoxSpan {
  type: string;
  start: number;
  size: number;
  /** Header bytes (8, or 16 with a 64-bit size). */
  header: number;
}

/** mp4box's hdr_size counts a FullBox's version and flags too: the plain header is read from the bytes. */
const spanIn =
  (bytes: Uint8Array) =>
  (b: { type: string; start: number; size: number }): BoxSpan => ({
    type: b.type,
    start: b.start,
    size: b.size,
    header: new DataView(bytes.buffer, bytes.byteOffset + b.start, 4).getUint32(0) === 1 ? 16 : 8,
  });

/** A single-track init segment: the boxes from moov down to the sample entry, and the codec setup. */
export interface InitLayout {
  /** moov, trak, mdia, minf, stbl, stsd — each contains the next; the sample entry is in the last. */
  ancestors: BoxSpan[];
  entry: BoxSpan;
  /** Every sample entry of the stsd (a protected track with a clear lead has a clear one after the first). */
  entries: BoxSpan[];
  /** The codec's four-character code ('avc1', 'mp4a'; for a protected entry, the original's from frma). */
  format: string;
  /** AVC: NAL length size and the parameter sets from avcC. */
  avc?: { lengthSize: number; parameterSets: Uint8Array[] };
  /** Boxes inside the sample entry (avcC, btrt, sinf …). */
  entryChildren: BoxSpan[];
  /** pssh boxes directly in moov. */
  pssh: BoxSpan[];
  /** A protected entry's scheme (schm) and track encryption defaults (tenc). */
  protection?: { scheme: string; kid: string; ivSize: number; crypt: number; skip: number; constantIv?: Buffer };
}

export function initLayout(bytes: Uint8Array): InitLayout {
  const file = parse(bytes);
  const span = spanIn(bytes);
  const moov = (file as unknown as { moov?: Record<string, unknown> & { start: number } }).moov as unknown as
    | {
        type: string;
        start: number;
        size: number;
        hdr_size: number;
        traks: Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
        boxes: Array<{ type: string; start: number; size: number; hdr_size: number }>;
      }
    | undefined;
  if (!moov || moov.traks.length !== 1) throw new Error('not a single-track CMAF init segment (no moov with one trak)');
  const trak = moov.traks[0]!;
  const chain = [trak, trak.mdia, trak.mdia.minf, trak.mdia.minf.stbl, trak.mdia.minf.stbl.stsd];
  const entry = trak.mdia.minf.stbl.stsd.entries[0];
  if (!entry) throw new Error('the init segment has no sample entry');
  const children = ((entry.boxes ?? []) as Array<{ type: string; start: number; size: number; hdr_size: number }>).map(
    span,
  );
  const sinf = entry.sinf as
    | {
        frma?: { data_format: string };
        schm?: { scheme_type: string };
        schi?: {
          tenc?: {
            default_crypt_byte_block?: number;
            default_skip_byte_block?: number;
            default_Per_Sample_IV_Size: number;
            default_constant_IV?: Uint8Array;
            default_KID?: string;
          };
        };
      }
    | undefined;
  const frma = sinf?.frma?.data_format;
  const tenc = sinf?.schi?.tenc;
  const avcC = entry.avcC as
    { lengthSizeMinusOne: number; SPS: Array<{ data: Uint8Array }>; PPS: Array<{ data: Uint8Array }> } | undefined;
  return {
    ancestors: [span({ ...moov, type: 'moov' }), ...chain.map((b) => span(b))],
    entry: span(entry),
    entries: (trak.mdia.minf.stbl.stsd.entries as Array<{ type: string; start: number; size: number }>).map(span),
    format: frma ?? entry.type,
    ...(avcC
      ? {
          avc: {
            lengthSize: avcC.lengthSizeMinusOne + 1,
            parameterSets: [...avcC.SPS, ...avcC.PPS].map((p) => p.data),
          },
        }
      : {}),
    entryChildren: children,
    ...(sinf?.schm && tenc
      ? {
          protection: {
            scheme: sinf.schm.scheme_type,
            ivSize: tenc.default_Per_Sample_IV_Size,
            kid: tenc.default_KID ?? '',
            crypt: tenc.default_crypt_byte_block ?? 0,
            skip: tenc.default_skip_byte_block ?? 0,
            ...(tenc.default_constant_IV ? { constantIv: Buffer.from(tenc.default_constant_IV) } : {}),
          },
        }
      : {}),
    pssh: moov.boxes.filter((b) => b.type === 'pssh').map(span),
  };
}

/** A single-track media segment as the encryptor needs it: where to insert, what to fix, where the samples are. */
export interface SegmentLayout {
  moof: BoxSpan;
  traf: BoxSpan;
  /** Boxes inside the traf. */
  trafChildren: BoxSpan[];
  /** Positions of each trun's data_offset field (absent when the trun has none). */
  dataOffsetAt: number[];
  /** Position of each sidx's first referenced_size field. */
  sidxSizeAt: number[];
  /** First byte of the first sample (moof start + data offset). */
  dataStart: number;
  sampleSizes: number[];
}

export function segmentLayout(bytes: Uint8Array): SegmentLayout {
  const file = parse(bytes);
  const span = spanIn(bytes);
  const moof = file.boxes.find((b) => b.type === 'moof') as unknown as
    | { type: string; start: number; size: number; hdr_size: number; trafs: Array<Record<string, any>> } // eslint-disable-line @typescript-eslint/no-explicit-any
    | undefined;
  if (!moof || moof.trafs.length !== 1)
    throw new Error('not a single-track CMAF media segment (no moof with one traf)');
  const traf = moof.trafs[0]!;
  const truns = traf.truns as Array<{ start: number; flags: number }>;
  const info = segmentInfo(bytes, file);
  const sidx = file.boxes.filter((b) => b.type === 'sidx') as unknown as Array<{ start: number; version: number }>;
  return {
    moof: span(moof),
    traf: span(traf as { type: string; start: number; size: number; hdr_size: number }),
    trafChildren: (traf.boxes as Array<{ type: string; start: number; size: number; hdr_size: number }>).map(span),
    // Box header (8), version and flags (4), sample_count (4), then data_offset when flags & 1.
    dataOffsetAt: truns.filter((t) => t.flags & 1).map((t) => t.start + 16),
    // sidx: header, version/flags, reference_ID, timescale, earliest time and first offset (4 or 8 each), reserved, count.
    sidxSizeAt: sidx.map((s) => s.start + 20 + (s.version === 1 ? 16 : 8) + 4),
    dataStart: info.firstSampleEnd - (info.samples[0]?.size ?? 0),
    sampleSizes: info.samples.map((s) => s.size),
  };
}
