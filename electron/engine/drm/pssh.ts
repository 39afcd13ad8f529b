/**
 * Protection System Specific Header boxes (ISO/IEC 23001-7 §8.1) for the systems that read them
 * from the init segment and the manifests: Widevine (its data a `WidevinePsshData` protobuf: the
 * key IDs and the protection scheme, as shaka-packager writes it) and PlayReady (a PlayReady Header
 * Object holding a WRMHEADER: 4.3 with AESCBC for cbcs, 4.0 with AESCTR and its checksum for cenc —
 * the version older PlayReady devices, the reason to choose cenc, understand). FairPlay has no pssh.
 *
 * Used when the key provider answered no pssh of its own (local keys, a bare CPIX file); a SPEKE
 * provider's pssh is used as given. The protobuf is three fields, written here rather than with a
 * protobuf library (the whole message is two repeated byte strings and a varint); the tests check
 * the bytes against shaka-packager's for the same key IDs.
 */
import { createCipheriv } from 'node:crypto';
import { SYSTEM_IDS, DrmError, kidBytes, type ContentKey, type DrmScheme } from './keys.js';

/** A pssh box: version 1 lists the key IDs in the box (v0 leaves them to the data). */
export function psshBox(systemId: string, data: Buffer, kids: string[] = [], version: 0 | 1 = 0): Buffer {
  const kidPart = version === 1 ? Buffer.concat([u32(kids.length), ...kids.map((k) => kidBytes(k))]) : Buffer.alloc(0);
  const body = Buffer.concat([Buffer.from([version, 0, 0, 0]), kidBytes(systemId), kidPart, u32(data.length), data]);
  return Buffer.concat([u32(body.length + 8), Buffer.from('pssh', 'latin1'), body]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n >>> 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

const fourcc = (s: string): number => Buffer.from(s, 'latin1').readUInt32BE();

/** WidevinePsshData { repeated bytes key_id = 2; optional uint32 protection_scheme = 9; } */
export function widevinePsshData(kids: string[], scheme: DrmScheme): Buffer {
  return Buffer.concat([
    ...kids.flatMap((k) => [Buffer.from([0x12, 16]), kidBytes(k)]),
    Buffer.from([0x48]),
    varint(fourcc(scheme)),
  ]);
}

/** A GUID's bytes in Microsoft's order (the first three fields little-endian), as PlayReady writes KIDs. */
export function guidBytes(kid: string): Buffer {
  const b = kidBytes(kid);
  return Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8),
  ]);
}

/** The WRMHEADER for one key (PlayReady Header Specification 4.0 / 4.3). */
export function playReadyHeader(key: ContentKey, scheme: DrmScheme, laUrl?: string): string {
  const kid = guidBytes(key.kid);
  const la = laUrl ? `<LA_URL>${laUrl.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</LA_URL>` : '';
  const ns = 'xmlns="http://schemas.microsoft.com/DRM/2007/03/PlayReadyHeader"';
  if (scheme === 'cbcs')
    return `<WRMHEADER ${ns} version="4.3.0.0"><DATA><PROTECTINFO><KIDS><KID ALGID="AESCBC" VALUE="${kid.toString('base64')}"></KID></KIDS></PROTECTINFO>${la}</DATA></WRMHEADER>`;
  // 4.0's checksum: the first 8 bytes of the KID (GUID order) encrypted with the key, AES-ECB.
  const ecb = createCipheriv('aes-128-ecb', key.key, null).setAutoPadding(false);
  const checksum = Buffer.concat([ecb.update(kid), ecb.final()]).subarray(0, 8);
  return `<WRMHEADER ${ns} version="4.0.0.0"><DATA><PROTECTINFO><KEYLEN>16</KEYLEN><ALGID>AESCTR</ALGID></PROTECTINFO><KID>${kid.toString('base64')}</KID><CHECKSUM>${checksum.toString('base64')}</CHECKSUM>${la}</DATA></WRMHEADER>`;
}

/** A PlayReady Header Object (PRO): length, one record of type 1 holding the WRMHEADER in UTF-16LE. */
export function playReadyObject(header: string): Buffer {
  const value = Buffer.from(header, 'utf16le');
  if (value.length > 0xffff) throw new DrmError('the PlayReady header is too long for one record');
  const record = Buffer.alloc(4);
  record.writeUInt16LE(1, 0);
  record.writeUInt16LE(value.length, 2);
  const head = Buffer.alloc(6);
  head.writeUInt32LE(6 + 4 + value.length, 0);
  head.writeUInt16LE(1, 4);
  return Buffer.concat([head, record, value]);
}

/** The pssh boxes the station writes itself for one track's key (Widevine lists every key ID of the title). */
export function stationPssh(
  key: ContentKey,
  allKids: string[],
  scheme: DrmScheme,
  systems: readonly string[],
): { widevine?: Buffer; playready?: Buffer } {
  return {
    ...(systems.includes('widevine')
      ? { widevine: psshBox(SYSTEM_IDS.widevine, widevinePsshData(allKids, scheme)) }
      : {}),
    ...(systems.includes('playready')
      ? { playready: psshBox(SYSTEM_IDS.playready, playReadyObject(playReadyHeader(key, scheme))) }
      : {}),
  };
}
