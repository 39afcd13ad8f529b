/**
 * Common Encryption (ISO/IEC 23001-7) of CMAF fMP4 chunks, one chunk at a time, in Node.
 *
 * Why here and not shaka-packager: the station streams — each chunk is verified and sent as ffmpeg
 * closes it — so the encryptor must take one fragment and give back one fragment with the same
 * sequence number and decode time, and one init segment per rendition that never changes (a
 * resumed run must produce it byte for byte). Rewriting ffmpeg's fragment in place does exactly
 * that: the init gets `encv`/`enca` + `sinf` (frma, schm, tenc) and the pssh boxes; each fragment
 * gets `saiz`, `saio`, `senc` at the end of its `traf` (the trun data offsets, moof/traf sizes and
 * the sidx reference size move by what was added) and its mdat encrypted in place, same length.
 * shaka-packager remuxes whole streams (new sequence numbers, its own boxes, a process per run); it
 * is the reference the tests compare against byte for byte, not a runtime dependency.
 *
 * Schemes: `cbcs` (AES-CBC; video 1:9 pattern inside each subsample, audio whole 16-byte blocks; a
 * constant IV in tenc, reset at every subsample) and `cenc` (AES-CTR; an 8-byte IV per sample — the
 * chunk's IV plus the sample's index — the counter running across a sample's subsamples; video
 * protected ranges a multiple of 16 bytes, as CMAF requires). H.264 samples are subsample-encrypted
 * (length fields, non-slice NAL units and slice headers clear — drm/h264.ts); AAC samples whole.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto';
import { initLayout, segmentLayout, type BoxSpan } from '../media/fmp4.js';
import { SliceHeaderParser, nalType } from './h264.js';
import { DrmError, kidBytes, kidString, type DrmScheme } from './keys.js';

/** What the encryptor needs to know of a track, read once from its clear init segment. */
export interface TrackSetup {
  kind: 'video' | 'audio';
  /** The clear sample entry's code: 'avc1', 'mp4a'. */
  format: string;
  avc?: { lengthSize: number; parameterSets: Uint8Array[] };
}

/** A track's encryption: the key, its ID, and for cbcs the constant IV written in tenc. */
export interface TrackCrypto {
  scheme: DrmScheme;
  kid: string;
  key: Buffer;
  /** cbcs only: 16 bytes, the same for every chunk of the track (see cbcsIv). */
  constantIv?: Buffer;
}

const VIDEO = new Set(['avc1', 'avc3']);
const AUDIO = new Set(['mp4a']);

export function trackSetup(init: Uint8Array): TrackSetup {
  const l = initLayout(init);
  if (VIDEO.has(l.format)) return { kind: 'video', format: l.format, ...(l.avc ? { avc: l.avc } : {}) };
  if (AUDIO.has(l.format)) return { kind: 'audio', format: l.format };
  throw new DrmError(`the encryptor handles H.264 video and AAC audio; this track is "${l.format}"`, 'drm-codec');
}

/**
 * The constant IV of a cbcs track: the provider's explicit IV for the key when it gave one, else
 * derived from the key ID — fixed, so the init segment is the same in every run and on resume.
 */
export function cbcsIv(kid: string, explicit?: Buffer): Buffer {
  if (explicit?.length === 16) return explicit;
  return createHash('sha256').update(`ingest-station cbcs iv ${kid.toLowerCase()}`).digest().subarray(0, 16);
}

/**
 * The cenc IV of one chunk (its samples use IV, IV + 1, …): an HMAC under the key of the rendition,
 * the chunk's index and its clear bytes' SHA-256. The same chunk encrypts to the same bytes (a
 * crash between the journal record and the swap is repaired identically); a chunk encoded again
 * with other content gets another IV, so a counter never meets two plaintexts under one key.
 */
export function cencChunkIv(key: Buffer, rendition: string, index: number, clearSha256: string): Buffer {
  return createHmac('sha256', key).update(`cenc iv\n${rendition}\n${index}\n${clearSha256}`).digest().subarray(0, 8);
}

// ---------------------------------------------------------------- boxes

const u8 = (n: number): Buffer => Buffer.from([n]);
const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const box = (type: string, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  return Buffer.concat([u32(body.length + 8), Buffer.from(type, 'latin1'), body]);
};
const fullBox = (type: string, version: number, flags: number, ...parts: Buffer[]): Buffer =>
  box(type, u32(((version << 24) | flags) >>> 0), ...parts);

/** Video pattern for cbcs: 1 block encrypted, 9 skipped (CMAF, Apple). Audio: every block (0:0). */
const patternOf = (scheme: DrmScheme, kind: TrackSetup['kind']): { crypt: number; skip: number } =>
  scheme === 'cbcs' && kind === 'video' ? { crypt: 1, skip: 9 } : { crypt: 0, skip: 0 };

function sinfBox(setup: TrackSetup, c: TrackCrypto): Buffer {
  const { crypt, skip } = patternOf(c.scheme, setup.kind);
  const kid = kidBytes(c.kid);
  const tenc =
    c.scheme === 'cbcs'
      ? fullBox('tenc', 1, 0, u8(0), u8((crypt << 4) | skip), u8(1), u8(0), kid, u8(16), constantIvOf(c))
      : fullBox('tenc', 0, 0, u8(0), u8(0), u8(1), u8(8), kid);
  return box(
    'sinf',
    box('frma', Buffer.from(setup.format, 'latin1')),
    fullBox('schm', 0, 0, Buffer.from(c.scheme, 'latin1'), u32(0x00010000)),
    box('schi', tenc),
  );
}

function constantIvOf(c: TrackCrypto): Buffer {
  if (c.constantIv?.length !== 16) throw new DrmError('a cbcs track needs a 16-byte constant IV', 'drm-iv');
  return c.constantIv;
}

/** The bytes with the given boxes cut out (the sizes of their ancestors are the caller's to fix). */
function withoutBoxes(src: Buffer, boxes: BoxSpan[]): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (const b of [...boxes].sort((x, y) => x.start - y.start)) {
    parts.push(src.subarray(at, b.start));
    at = b.start + b.size;
  }
  parts.push(src.subarray(at));
  return Buffer.concat(parts);
}

/** Add `delta` to the 32-bit size field of each box (a 64-bit size is refused: CMAF headers never need one). */
function grow(out: Buffer, boxes: BoxSpan[], delta: number): void {
  for (const b of boxes) {
    if (b.header !== 8) throw new DrmError(`a ${b.type} box with a 64-bit size cannot be rewritten`, 'drm-box');
    out.writeUInt32BE(out.readUInt32BE(b.start) + delta, b.start);
  }
}

/**
 * The protected init segment: the sample entry becomes encv/enca with a sinf at its end, and the
 * pssh boxes go at the end of moov. Deterministic: the same clear init, key ID, IV and pssh give
 * the same bytes.
 */
export function protectInit(init: Uint8Array, c: TrackCrypto, pssh: Buffer[] = [], clearLead = false): Buffer {
  const l = initLayout(init);
  if (l.protection) throw new DrmError('the init segment is already protected', 'drm-box');
  const setup = trackSetup(init);
  const sinf = sinfBox(setup, c);
  const entryEnd = l.entry.start + l.entry.size;
  const moov = l.ancestors[0]!;
  const moovEnd = moov.start + moov.size;
  const src = Buffer.from(init.buffer, init.byteOffset, init.byteLength);
  // With a clear lead, the clear entry follows the protected one: clear fragments point at it (index 2).
  const clearEntry = clearLead ? src.subarray(l.entry.start, entryEnd) : Buffer.alloc(0);
  const psshAll = Buffer.concat(pssh);
  const out = Buffer.concat([
    src.subarray(0, entryEnd),
    sinf,
    clearEntry,
    src.subarray(entryEnd, moovEnd),
    psshAll,
    src.subarray(moovEnd),
  ]);
  // Sizes: the entry grows by the sinf; stsd and up also by the clear entry; moov also by the pssh boxes.
  grow(out, [l.entry], sinf.length);
  grow(out, l.ancestors.slice(1), sinf.length + clearEntry.length);
  grow(out, [moov], sinf.length + clearEntry.length + psshAll.length);
  if (clearLead)
    out.writeUInt32BE(out.readUInt32BE(l.ancestors.at(-1)!.start + 12) + 1, l.ancestors.at(-1)!.start + 12);
  out.write(setup.kind === 'video' ? 'encv' : 'enca', l.entry.start + 4, 'latin1');
  return out;
}

/** The clear init segment back from a protected one (sinf and pssh removed, the entry renamed). */
export function unprotectInit(init: Uint8Array): Buffer {
  const l = initLayout(init);
  const sinf = l.entryChildren.find((b) => b.type === 'sinf');
  if (!l.protection || !sinf) return Buffer.from(init);
  const extra = l.entries.slice(1);
  const out = withoutBoxes(Buffer.from(init.buffer, init.byteOffset, init.byteLength), [sinf, ...extra, ...l.pssh]);
  const psshBytes = l.pssh.reduce((n, b) => n + b.size, 0);
  const extraBytes = extra.reduce((n, b) => n + b.size, 0);
  if (extra.length) out.writeUInt32BE(1, l.ancestors.at(-1)!.start + 12);
  // Every box before the cuts keeps its position: shrink the chain, then the moov by the pssh too.
  grow(out, [l.entry], -sinf.size);
  grow(out, l.ancestors.slice(1), -sinf.size - extraBytes);
  grow(out, [l.ancestors[0]!], -sinf.size - extraBytes - psshBytes);
  out.write(l.format, l.entry.start + 4, 'latin1');
  return out;
}

// ---------------------------------------------------------------- subsamples

type Subsample = [clear: number, protectedBytes: number];

/**
 * The subsample map of an H.264 sample, organised like shaka-packager's: clear runs gathered up to
 * the next protected range, split at 65,535 (the field is 16 bits); for cenc every protected range
 * is cut to a multiple of 16 bytes (the remainder joins the clear part).
 */
function avcSubsamples(
  b: Uint8Array,
  start: number,
  end: number,
  lengthSize: number,
  parser: SliceHeaderParser,
  align: boolean,
): Subsample[] {
  const out: Subsample[] = [];
  let pending = 0;
  const push = (clear: number, prot: number): void => {
    for (; clear > 0xffff; clear -= 0xffff) out.push([0xffff, 0]);
    out.push([clear, prot]);
  };
  for (let p = start; p < end;) {
    let len = 0;
    for (let i = 0; i < lengthSize; i++) len = len * 256 + b[p + i]!;
    const nal = p + lengthSize;
    if (len === 0 || nal + len > end)
      throw new DrmError('an H.264 sample has a NAL unit longer than the sample', 'drm-h264');
    const type = nalType(b[nal]!);
    if (type === 7 || type === 8) parser.parameterSet(b, nal, nal + len);
    if (type >= 2 && type <= 4)
      throw new DrmError('the H.264 stream uses data partitioning, which CMAF does not allow', 'drm-h264');
    let clear = len;
    if (type === 1 || type === 5) clear = Math.min(len, 1 + parser.sliceHeaderBytes(b, nal, nal + len));
    let prot = len - clear;
    clear += lengthSize;
    if (align && prot > 0) {
      clear += prot % 16;
      prot -= prot % 16;
    }
    pending += clear;
    if (prot > 0) {
      push(pending, prot);
      pending = 0;
    }
    p = nal + len;
  }
  if (pending > 0) push(pending, 0);
  return out;
}

// ---------------------------------------------------------------- sample cipher

/** The byte ranges of a sample that a scheme encrypts, in order (cbcs: the pattern's blocks, per subsample). */
function protectedRanges(
  offset: number,
  size: number,
  subs: Subsample[] | undefined,
  scheme: DrmScheme,
  pattern: { crypt: number; skip: number },
): Array<Array<[number, number]>> {
  const ranges: Array<[number, number]> = [];
  const groups: Array<Array<[number, number]>> = [];
  const whole: Subsample[] = subs ?? [[0, size]];
  let p = offset;
  for (const [clear, prot] of whole) {
    p += clear;
    if (scheme === 'cenc') ranges.push([p, prot]);
    else {
      // cbcs: the chain restarts at every subsample; a partial last block stays clear.
      const group: Array<[number, number]> = [];
      const blocks = Math.floor(prot / 16);
      const step = pattern.crypt + pattern.skip;
      for (let k = 0; k < blocks; k += step || 1) {
        const n = pattern.crypt ? Math.min(pattern.crypt, blocks - k) : blocks;
        group.push([p + k * 16, n * 16]);
        if (!pattern.crypt) break;
      }
      if (group.length) groups.push(group);
    }
    p += prot;
  }
  // cenc: one counter runs across all of a sample's protected bytes.
  return scheme === 'cenc' ? [ranges.filter(([, n]) => n > 0)] : groups;
}

function cryptRanges(
  buf: Buffer,
  groups: Array<Array<[number, number]>>,
  mode: 'encrypt' | 'decrypt',
  scheme: DrmScheme,
  key: Buffer,
  iv: Buffer,
): void {
  for (const group of groups) {
    const total = group.reduce((n, [, len]) => n + len, 0);
    if (total === 0) continue;
    const gathered = Buffer.allocUnsafe(total);
    let at = 0;
    for (const [s, len] of group) at += buf.copy(gathered, at, s, s + len);
    const algo = scheme === 'cbcs' ? 'aes-128-cbc' : 'aes-128-ctr';
    const counter = scheme === 'cenc' ? Buffer.concat([iv, Buffer.alloc(8)]) : iv;
    const c = (mode === 'encrypt' ? createCipheriv : createDecipheriv)(algo, key, counter).setAutoPadding(false);
    const done = c.update(gathered);
    at = 0;
    for (const [s, len] of group) at += done.copy(buf, s, at, at + len);
  }
}

/** IV of sample `i` of a chunk: the chunk's 8-byte IV plus i (mod 2^64). */
function sampleIv(iv: Buffer, i: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE((iv.readBigUInt64BE(0) + BigInt(i)) & 0xffffffffffffffffn);
  return out;
}

// ---------------------------------------------------------------- fragments

export interface FragmentOptions {
  /** cenc: the chunk's 8-byte IV (cencChunkIv). cbcs: unused (the constant IV is the track's). */
  iv?: Buffer;
  /**
   * The key is not the one the init's tenc names (key rotation): the fragment says which key it
   * uses with a 'seig' sample group (sgpd + sbgp, ISO/IEC 23001-7 §6), as players expect.
   */
  seig?: boolean;
}

/** CencSampleEncryptionInformationGroupEntry: the fragment's key ID (and cbcs pattern and constant IV). */
function seigEntry(c: TrackCrypto, kind: TrackSetup['kind']): Buffer {
  const { crypt, skip } = patternOf(c.scheme, kind);
  const head = Buffer.concat([u8(0), u8((crypt << 4) | skip), u8(1), u8(c.scheme === 'cenc' ? 8 : 0), kidBytes(c.kid)]);
  return c.scheme === 'cbcs' ? Buffer.concat([head, u8(16), constantIvOf(c)]) : head;
}

/** sgpd + sbgp: every sample of the fragment in the fragment-local group 1 (index 0x10001). */
function seigBoxes(c: TrackCrypto, kind: TrackSetup['kind'], samples: number): Buffer {
  const entry = seigEntry(c, kind);
  const seig = Buffer.from('seig', 'latin1');
  return Buffer.concat([
    fullBox('sgpd', 1, 0, seig, u32(entry.length), u32(1), entry),
    fullBox('sbgp', 0, 0, seig, u32(1), u32(samples), u32(0x10001)),
  ]);
}

/**
 * One media segment encrypted: same sequence number, decode time and sample table; the samples'
 * protected ranges encrypted in place; saiz, saio and senc appended to the traf.
 */
export function encryptFragment(
  segment: Uint8Array,
  setup: TrackSetup,
  c: TrackCrypto,
  opts: FragmentOptions = {},
): Buffer {
  const l = segmentLayout(segment);
  if (l.trafChildren.some((b) => b.type === 'senc')) throw new DrmError('the segment is already encrypted', 'drm-box');
  const out = Buffer.from(segment);
  const pattern = patternOf(c.scheme, setup.kind);
  const ivSize = c.scheme === 'cenc' ? 8 : 0;
  if (c.scheme === 'cenc' && opts.iv?.length !== 8) throw new DrmError('a cenc chunk needs an 8-byte IV', 'drm-iv');
  const parser = setup.avc ? new SliceHeaderParser(setup.avc.parameterSets) : undefined;
  const aux: Buffer[] = [];
  let p = l.dataStart;
  l.sampleSizes.forEach((size, i) => {
    if (p + size > out.length) throw new DrmError('a sample runs past the end of the segment', 'drm-box');
    const subs = parser
      ? avcSubsamples(out, p, p + size, setup.avc!.lengthSize, parser, c.scheme === 'cenc')
      : undefined;
    const iv = c.scheme === 'cenc' ? sampleIv(opts.iv!, i) : constantIvOf(c);
    cryptRanges(out, protectedRanges(p, size, subs, c.scheme, pattern), 'encrypt', c.scheme, c.key, iv);
    aux.push(
      Buffer.concat([
        ivSize ? iv : Buffer.alloc(0),
        ...(subs ? [u16(subs.length), ...subs.map(([cl, pr]) => Buffer.concat([u16(cl), u32(pr)]))] : []),
      ]),
    );
    p += size;
  });
  const groups = opts.seig ? seigBoxes(c, setup.kind, l.sampleSizes.length) : Buffer.alloc(0);
  return appendToTraf(out, l, aux, subsFlag(parser !== undefined), groups);
}

const subsFlag = (subsamples: boolean): number => (subsamples ? 2 : 0);

/**
 * A clear-lead fragment of a protected track: its samples stay clear and its tfhd points at the
 * init's clear sample entry (index 2, written by protectInit with `clearLead`), as shaka-packager
 * does — the form every player and ffmpeg read.
 */
export function clearFragment(segment: Uint8Array): Buffer {
  return withDescriptionIndex(Buffer.from(segment), 2);
}

/** The tfhd's sample_description_index set (the field added when the tfhd had none). */
function withDescriptionIndex(seg: Buffer, index: number): Buffer {
  const l = segmentLayout(seg);
  const tfhd = l.trafChildren.find((b) => b.type === 'tfhd')!;
  const flags = seg.readUInt32BE(tfhd.start + 8) & 0xffffff;
  // tfhd: header, version/flags, track_ID, [base_data_offset (8) if 0x1], [sample_description_index if 0x2].
  const at = tfhd.start + 16 + (flags & 1 ? 8 : 0);
  if (flags & 2) {
    seg.writeUInt32BE(index, at);
    return seg;
  }
  const out = Buffer.concat([seg.subarray(0, at), u32(index), seg.subarray(at)]);
  out.writeUInt32BE((seg.readUInt32BE(tfhd.start + 8) | 2) >>> 0, tfhd.start + 8);
  grow(out, [l.moof, l.traf, tfhd], 4);
  // Everything after the tfhd moved by 4: the trun data-offset fields too (they follow it in the traf).
  for (const pos of l.dataOffsetAt) out.writeInt32BE(out.readInt32BE(pos + 4) + 4, pos + 4);
  for (const pos of l.sidxSizeAt) out.writeUInt32BE(out.readUInt32BE(pos) + 4, pos);
  return out;
}

/** saiz + saio + senc at the end of the traf; sizes and offsets that follow moved by what was added. */
function appendToTraf(
  out: Buffer,
  l: ReturnType<typeof segmentLayout>,
  aux: Buffer[],
  flags: number,
  groups: Buffer,
): Buffer {
  const senc = fullBox('senc', 0, flags, u32(aux.length), ...aux);
  const sizes = aux.map((a) => a.length);
  let info = Buffer.alloc(0);
  // Auxiliary information of no bytes at all (cbcs audio: constant IV, no subsamples) has no saiz/saio.
  if (sizes.some((s) => s > 0)) {
    const same = sizes.every((s) => s === sizes[0]);
    const saiz = fullBox(
      'saiz',
      0,
      0,
      u8(same ? sizes[0]! : 0),
      u32(sizes.length),
      ...(same ? [] : [Buffer.from(sizes)]),
    );
    const trafEnd = l.traf.start + l.traf.size;
    // saio points at the first sample's IV inside senc, from the moof's first byte (default-base-is-moof).
    const sencAt = trafEnd + saiz.length + 20;
    const saio = fullBox('saio', 0, 0, u32(1), u32(sencAt - l.moof.start + 16));
    info = Buffer.concat([saiz, saio]);
  }
  // Sample groups after senc: the saio offset above stays right.
  return insertIntoTraf(out, l, Buffer.concat([info, senc, groups]));
}

/** Boxes added at the end of the traf; the moof/traf sizes, trun data offsets and sidx size move with them. */
function insertIntoTraf(out: Buffer, l: ReturnType<typeof segmentLayout>, added: Buffer): Buffer {
  const at = l.traf.start + l.traf.size;
  const result = Buffer.concat([out.subarray(0, at), added, out.subarray(at)]);
  grow(result, [l.moof, l.traf], added.length);
  for (const pos of l.dataOffsetAt) result.writeInt32BE(result.readInt32BE(pos) + added.length, pos);
  for (const pos of l.sidxSizeAt) result.writeUInt32BE(result.readUInt32BE(pos) + added.length, pos);
  return result;
}

/** The keys a decryptor may use, by key ID (lower-case UUID). */
export type KeyLookup = (kid: string) => Buffer | undefined;

interface SencEntry {
  iv: Buffer;
  subs?: Subsample[];
}

function readSenc(seg: Buffer, senc: BoxSpan, ivSize: number): SencEntry[] {
  const flags = seg.readUInt32BE(senc.start + 8) & 0xffffff;
  const count = seg.readUInt32BE(senc.start + 12);
  const entries: SencEntry[] = [];
  let p = senc.start + 16;
  for (let i = 0; i < count; i++) {
    const iv = Buffer.from(seg.subarray(p, p + ivSize));
    p += ivSize;
    let subs: Subsample[] | undefined;
    if (flags & 2) {
      const n = seg.readUInt16BE(p);
      p += 2;
      subs = [];
      for (let k = 0; k < n; k++, p += 6) subs.push([seg.readUInt16BE(p), seg.readUInt32BE(p + 2)]);
    }
    entries.push({ iv, ...(subs ? { subs } : {}) });
  }
  return entries;
}

/**
 * The clear segment back from an encrypted one: the samples decrypted and the boxes encryption
 * added (saiz, saio, senc) removed — for a segment this module encrypted, the exact clear bytes.
 */
export function decryptFragment(segment: Uint8Array, protectedInit: Uint8Array, keys: Buffer | KeyLookup): Buffer {
  const il = initLayout(protectedInit);
  const pr = il.protection;
  if (!pr) return Buffer.from(segment);
  if (pr.scheme !== 'cbcs' && pr.scheme !== 'cenc')
    throw new DrmError(`the "${pr.scheme}" scheme is not one the station decrypts`, 'drm-scheme');
  const scheme = pr.scheme;
  const seg = Buffer.from(segment);
  const l = segmentLayout(seg);
  const senc = l.trafChildren.find((b) => b.type === 'senc');
  // A clear-lead fragment: nothing to decrypt; pointed back at the (clear init's only) first entry.
  if (!senc && il.entries.length > 1) return withDescriptionIndex(seg, 1);
  const group = readSeig(seg, l.trafChildren);
  if (!senc) throw new DrmError('an encrypted segment has no senc box', 'drm-box');
  const ivSize = group?.ivSize ?? pr.ivSize;
  const constantIv = group?.constantIv ?? pr.constantIv;
  const kid = group?.kid ?? kidString(pr.kid);
  const key = Buffer.isBuffer(keys) ? keys : keys(kid);
  if (!key) throw new DrmError(`no key for key ID ${kid}, which the segment is encrypted with`, 'drm-missing');
  const entries = readSenc(seg, senc, ivSize);
  if (entries.length !== l.sampleSizes.length)
    throw new DrmError(`senc lists ${entries.length} samples; the fragment has ${l.sampleSizes.length}`, 'drm-box');
  let p = l.dataStart;
  l.sampleSizes.forEach((size, i) => {
    const e = entries[i]!;
    const iv = scheme === 'cenc' ? e.iv : constantIv!;
    const groups = protectedRanges(p, size, e.subs, scheme, { crypt: pr.crypt, skip: pr.skip });
    cryptRanges(seg, groups, 'decrypt', scheme, key, iv);
    p += size;
  });
  return removeFromTraf(seg, l, new Set(['senc', 'saiz', 'saio', ...(group ? ['sgpd', 'sbgp'] : [])]));
}

/** A fragment's 'seig' sample group entry (key rotation, clear lead), if it has one. */
function readSeig(
  seg: Buffer,
  children: BoxSpan[],
): { kid: string; isProtected: boolean; ivSize: number; constantIv?: Buffer } | undefined {
  const sgpd = children.find((b) => b.type === 'sgpd' && seg.toString('latin1', b.start + 12, b.start + 16) === 'seig');
  if (!sgpd) return undefined;
  // FullBox v1: grouping_type, default_length, entry_count, then the entry.
  const e = sgpd.start + 12 + 4 + 4 + 4;
  const ivSize = seg[e + 3]!;
  const kid = kidString(seg.subarray(e + 4, e + 20));
  const isProtected = seg[e + 2] === 1;
  return {
    kid,
    isProtected,
    ivSize,
    ...(isProtected && ivSize === 0 ? { constantIv: Buffer.from(seg.subarray(e + 21, e + 21 + seg[e + 20]!)) } : {}),
  };
}

function removeFromTraf(seg: Buffer, l: ReturnType<typeof segmentLayout>, types: Set<string>): Buffer {
  const cut = l.trafChildren.filter((b) => types.has(b.type));
  const removed = cut.reduce((n, b) => n + b.size, 0);
  const out = withoutBoxes(seg, cut);
  grow(out, [l.moof, l.traf], -removed);
  // Boxes before the traf end did not move unless they followed a removed one: read the layout again.
  const again = segmentLayout(out);
  for (const pos of again.dataOffsetAt) out.writeInt32BE(out.readInt32BE(pos) - removed, pos);
  for (const pos of again.sidxSizeAt) out.writeUInt32BE(out.readUInt32BE(pos) - removed, pos);
  return out;
}
