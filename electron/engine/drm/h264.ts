/**
 * Where the picture data of an H.264 sample starts, for subsample encryption (ISO/IEC 23001-7 and
 * CMAF: every NAL unit's length field and header stay clear, and in a slice NAL unit the slice
 * header too — with 'cbcs' the protected range starts on the first byte after the slice header).
 * Finding that byte needs the slice header parsed, which needs the SPS and PPS it refers to
 * (ITU-T H.264 §7.3.2.1, §7.3.2.2, §7.3.3). No maintained npm package parses slice headers; this
 * module is the small part of the syntax the encryptor needs, cross-checked against
 * shaka-packager's subsample maps in the tests (test/unit/drm-cenc.test.ts).
 *
 * Only what CMAF H.264 delivers is accepted: length-prefixed NAL units, no slice groups (FMO) and
 * no data partitioning — each refused with a sentence instead of a guess.
 */
import { DrmError } from './keys.js';

/** Reads Exp-Golomb and fixed-width fields from a NAL unit's payload, skipping emulation-prevention bytes. */
class BitReader {
  private pos: number;
  /** Bits of the current byte consumed (8: the next read moves on). */
  private bit = 0;
  /** Zero bytes just before the current one (an 03 after two of them is emulation prevention). */
  private zeros = 0;

  constructor(
    private readonly b: Uint8Array,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start;
    this.enter();
  }

  private enter(): void {
    if (this.pos >= this.end) throw new DrmError('an H.264 header runs past its NAL unit', 'drm-h264');
    // 0x000003: the 03 is not part of the payload (H.264 §7.4.1).
    if (this.zeros >= 2 && this.b[this.pos] === 3) {
      this.pos++;
      this.zeros = 0;
      if (this.pos >= this.end) throw new DrmError('an H.264 header runs past its NAL unit', 'drm-h264');
    }
    this.zeros = this.b[this.pos] === 0 ? this.zeros + 1 : 0;
  }

  u(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      // Lazily, like the decoders: an emulation-prevention byte right after the header is not the header's.
      if (this.bit === 8) {
        this.pos++;
        this.bit = 0;
        this.enter();
      }
      v = v * 2 + ((this.b[this.pos]! >> (7 - this.bit++)) & 1);
    }
    return v;
  }

  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) if (++zeros > 31) throw new DrmError('an H.264 Exp-Golomb code is too long', 'drm-h264');
    return zeros === 0 ? 0 : 2 ** zeros - 1 + this.u(zeros);
  }

  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }

  /** Bits consumed since `start` (raw bytes, emulation prevention included). */
  bitsUsed(start: number): number {
    return (this.pos - start) * 8 + this.bit;
  }
}

interface Sps {
  chromaArrayType: number;
  separateColourPlane: boolean;
  log2MaxFrameNum: number;
  pocType: number;
  log2MaxPocLsb: number;
  deltaPicOrderAlwaysZero: boolean;
  frameMbsOnly: boolean;
}

interface Pps {
  spsId: number;
  entropyCabac: boolean;
  bottomFieldPicOrder: boolean;
  numRefIdxL0: number;
  numRefIdxL1: number;
  weightedPred: boolean;
  weightedBipredIdc: number;
  deblockingControl: boolean;
  redundantPicCnt: boolean;
}

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

const skipSe = (r: BitReader, n: number): void => {
  for (let i = 0; i < n; i++) r.se();
};

/** The NAL unit type of the first byte (nal_unit_type, 5 bits). */
export const nalType = (header: number): number => header & 0x1f;

/** Parses SPS and PPS (from avcC, and in-band ones as they come) and measures slice headers. */
export class SliceHeaderParser {
  private readonly sps = new Map<number, Sps>();
  private readonly pps = new Map<number, Pps>();

  constructor(params: Uint8Array[] = []) {
    for (const nal of params) this.parameterSet(nal, 0, nal.length);
  }

  /** Feed a NAL unit (bytes [start, end), header included); SPS and PPS update the tables. */
  parameterSet(b: Uint8Array, start: number, end: number): void {
    const t = nalType(b[start]!);
    if (t === 7) this.parseSps(new BitReader(b, start + 1, end));
    else if (t === 8) this.parsePps(new BitReader(b, start + 1, end));
  }

  private parseSps(r: BitReader): void {
    const profile = r.u(8);
    r.u(16); // constraint flags, reserved, level_idc
    const id = r.ue();
    let chroma = 1;
    let separate = false;
    if (HIGH_PROFILES.has(profile)) {
      chroma = r.ue();
      if (chroma === 3) separate = r.u(1) === 1;
      r.ue(); // bit_depth_luma_minus8
      r.ue(); // bit_depth_chroma_minus8
      r.u(1); // qpprime_y_zero_transform_bypass_flag
      if (r.u(1) === 1)
        for (let i = 0; i < (chroma !== 3 ? 8 : 12); i++) if (r.u(1)) skipScalingList(r, i < 6 ? 16 : 64);
    }
    const log2MaxFrameNum = r.ue() + 4;
    const pocType = r.ue();
    let log2MaxPocLsb = 0;
    let deltaAlwaysZero = false;
    if (pocType === 0) log2MaxPocLsb = r.ue() + 4;
    else if (pocType === 1) {
      deltaAlwaysZero = r.u(1) === 1;
      r.se();
      r.se();
      const n = r.ue();
      for (let i = 0; i < n; i++) r.se();
    }
    r.ue(); // max_num_ref_frames
    r.u(1); // gaps_in_frame_num_value_allowed_flag
    r.ue(); // pic_width_in_mbs_minus1
    r.ue(); // pic_height_in_map_units_minus1
    const frameMbsOnly = r.u(1) === 1;
    this.sps.set(id, {
      chromaArrayType: separate ? 0 : chroma,
      separateColourPlane: separate,
      log2MaxFrameNum,
      pocType,
      log2MaxPocLsb,
      deltaPicOrderAlwaysZero: deltaAlwaysZero,
      frameMbsOnly,
    });
  }

  private parsePps(r: BitReader): void {
    const id = r.ue();
    const spsId = r.ue();
    const entropyCabac = r.u(1) === 1;
    const bottomFieldPicOrder = r.u(1) === 1;
    if (r.ue() > 0)
      throw new DrmError(
        'the H.264 stream uses slice groups (FMO), which CMAF does not allow: encode it again without them',
        'drm-h264',
      );
    const numRefIdxL0 = r.ue() + 1;
    const numRefIdxL1 = r.ue() + 1;
    const weightedPred = r.u(1) === 1;
    const weightedBipredIdc = r.u(2);
    r.se(); // pic_init_qp_minus26
    r.se(); // pic_init_qs_minus26
    r.se(); // chroma_qp_index_offset
    const deblockingControl = r.u(1) === 1;
    r.u(1); // constrained_intra_pred_flag
    const redundantPicCnt = r.u(1) === 1;
    this.pps.set(id, {
      spsId,
      entropyCabac,
      bottomFieldPicOrder,
      numRefIdxL0,
      numRefIdxL1,
      weightedPred,
      weightedBipredIdc,
      deblockingControl,
      redundantPicCnt,
    });
  }

  /** Bytes of a slice NAL unit's header (its one-byte NAL header not counted), rounded up. */
  sliceHeaderBytes(b: Uint8Array, start: number, end: number): number {
    const header = b[start]!;
    const type = nalType(header);
    if (type !== 1 && type !== 5)
      throw new DrmError(`H.264 NAL unit type ${type} is not a slice the encryptor knows`, 'drm-h264');
    const r = new BitReader(b, start + 1, end);
    r.ue(); // first_mb_in_slice
    const sliceType = r.ue() % 5; // 0 P, 1 B, 2 I, 3 SP, 4 SI
    const pps = this.pps.get(r.ue());
    const sps = pps && this.sps.get(pps.spsId);
    if (!pps || !sps) throw new DrmError('an H.264 slice refers to a parameter set the stream never sent', 'drm-h264');
    if (sps.separateColourPlane) r.u(2);
    r.u(sps.log2MaxFrameNum);
    let field = false;
    if (!sps.frameMbsOnly && (field = r.u(1) === 1)) r.u(1);
    if (type === 5) r.ue(); // idr_pic_id
    if (sps.pocType === 0) {
      r.u(sps.log2MaxPocLsb);
      if (pps.bottomFieldPicOrder && !field) r.se();
    }
    if (sps.pocType === 1 && !sps.deltaPicOrderAlwaysZero) {
      r.se();
      if (pps.bottomFieldPicOrder && !field) r.se();
    }
    if (pps.redundantPicCnt) r.ue();
    const B = sliceType === 1;
    const P = sliceType === 0 || sliceType === 3;
    if (B) r.u(1); // direct_spatial_mv_pred_flag
    let l0 = pps.numRefIdxL0;
    let l1 = pps.numRefIdxL1;
    if ((P || B) && r.u(1) === 1) {
      l0 = r.ue() + 1;
      if (B) l1 = r.ue() + 1;
    }
    if (sliceType !== 2 && sliceType !== 4) this.refPicListModification(r);
    if (B) this.refPicListModification(r);
    if ((pps.weightedPred && P) || (pps.weightedBipredIdc === 1 && B))
      this.predWeightTable(r, sps.chromaArrayType, l0, B ? l1 : 0);
    if (((header >> 5) & 3) !== 0) this.decRefPicMarking(r, type === 5);
    if (pps.entropyCabac && sliceType !== 2 && sliceType !== 4) r.ue(); // cabac_init_idc
    r.se(); // slice_qp_delta
    if (sliceType === 3 || sliceType === 4) {
      if (sliceType === 3) r.u(1);
      r.se();
    }
    if (pps.deblockingControl && r.ue() !== 1) {
      r.se();
      r.se();
    }
    return Math.ceil(r.bitsUsed(start + 1) / 8);
  }

  private refPicListModification(r: BitReader): void {
    if (r.u(1) === 0) return;
    for (let idc = r.ue(); idc !== 3; idc = r.ue()) {
      if (idc > 5) throw new DrmError('an H.264 slice header has a malformed reference list', 'drm-h264');
      r.ue();
    }
  }

  private predWeightTable(r: BitReader, chroma: number, l0: number, l1: number): void {
    r.ue();
    if (chroma !== 0) r.ue();
    for (const n of [l0, l1])
      for (let i = 0; i < n; i++) {
        // A weight and an offset per flagged entry (luma; chroma twice).
        if (r.u(1)) skipSe(r, 2);
        if (chroma !== 0 && r.u(1)) skipSe(r, 4);
      }
  }

  private decRefPicMarking(r: BitReader, idr: boolean): void {
    if (idr) {
      r.u(2);
      return;
    }
    if (r.u(1) === 0) return;
    for (let op = r.ue(); op !== 0; op = r.ue()) {
      if (op > 6) throw new DrmError('an H.264 slice header has a malformed reference marking', 'drm-h264');
      if (op === 1 || op === 3) r.ue();
      if (op === 2) r.ue();
      if (op === 3 || op === 6) r.ue();
      if (op === 4) r.ue();
    }
  }
}
