/**
 * A deterministic tar archive (POSIX ustar) of a set of files, produced as a ByteSource: any byte
 * range can be generated from the files on disk by offset, without a temporary copy — so the
 * archive copy of a 10,000-chunk package is one object, and a resumed upload can regenerate any
 * part. Deterministic: members in the given order, mode 0644, uid/gid 0, no user names, a fixed
 * mtime; the same files always give the same bytes (and the same multipart ETag).
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { StationError } from '../util/errors.js';
import type { ByteSource, SourceIdentity } from './byte-source.js';

const BLOCK = 512;

export interface TarMember {
  /** Name inside the archive (forward slashes). */
  name: string;
  /** File on disk. */
  path: string;
  size: number;
}

interface Entry {
  member: TarMember;
  header: Buffer;
  /** Offset of the header in the archive; data follows at offset + header.length. */
  offset: number;
  /** Header blocks + data + padding to a block. */
  length: number;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** A pax extended header carrying a long path, for names ustar cannot hold. */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return Buffer.from(`${len}${body}`);
}

function ustarHeader(name: string, size: number, mtime: number, type: '0' | 'x'): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(mtime, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(type, 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

const pad = (n: number): number => (BLOCK - (n % BLOCK)) % BLOCK;

function headerFor(m: TarMember, mtime: number): Buffer {
  if (Buffer.byteLength(m.name) <= 100) return ustarHeader(m.name, m.size, mtime, '0');
  const pax = paxRecord('path', m.name);
  const short = `PaxHeaders/${createHash('sha1').update(m.name).digest('hex')}`;
  return Buffer.concat([
    ustarHeader(short, pax.length, mtime, 'x'),
    pax,
    Buffer.alloc(pad(pax.length)),
    ustarHeader(short, m.size, mtime, '0'),
  ]);
}

/** Where one member's bytes lie in the archive: [start, end). */
export interface MemberRange {
  start: number;
  end: number;
}

/**
 * The byte range of every member's data, from names and sizes alone — the same layout TarSource
 * writes — so one chunk can be read back from the archived tar with a ranged GET.
 */
export function tarLayout(members: Array<Pick<TarMember, 'name' | 'size'>>, mtime = 0): Map<string, MemberRange> {
  return new Map(
    layout(
      members.map((m) => ({ ...m, path: '' })),
      mtime,
    ).map((e) => [
      e.member.name,
      { start: e.offset + e.header.length, end: e.offset + e.header.length + e.member.size },
    ]),
  );
}

/** Headers and offsets of every member, in order: the one layout both the archive and its index use. */
function layout(members: TarMember[], mtime: number): Entry[] {
  const entries: Entry[] = [];
  let offset = 0;
  for (const member of members) {
    const header = headerFor(member, mtime);
    const length = header.length + member.size + pad(member.size);
    entries.push({ member, header, offset, length });
    offset += length;
  }
  return entries;
}

/** Bytes enough to hold the first member's headers (a pax header for a long name takes three blocks). */
export const FIRST_HEADER_BYTES = 3 * BLOCK;

/** The first member of an archive from its first bytes: its name and size (ustar, or pax for a long name). */
export function firstMember(head: Buffer): { name: string; size: number } {
  const field = (b: Buffer, at: number, len: number): string =>
    b
      .subarray(at, at + len)
      .toString('utf8')
      .replace(/\0.*$/s, '');
  const sizeOf = (b: Buffer): number => parseInt(field(b, 124, 12).trim() || 'NaN', 8);
  const checked = (b: Buffer): Buffer => {
    if (b.length < BLOCK || field(b, 257, 6) !== 'ustar')
      throw new StationError('not a ustar archive (no header where the first member should be)', 'not-a-tar');
    return b;
  };
  const h = checked(head.subarray(0, BLOCK));
  if (field(h, 156, 1) !== 'x') return { name: field(h, 0, 100), size: sizeOf(h) };
  const paxLen = sizeOf(h);
  const pax = head.subarray(BLOCK, BLOCK + paxLen).toString('utf8');
  const name = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(pax)?.[1];
  const next = checked(head.subarray(BLOCK + paxLen + pad(paxLen), BLOCK + paxLen + pad(paxLen) + BLOCK));
  if (!name) throw new StationError("the archive's first pax header names no path", 'not-a-tar');
  return { name, size: sizeOf(next) };
}

export class TarSource implements ByteSource {
  private readonly entries: Entry[];
  readonly size: number;

  constructor(
    readonly description: string,
    members: TarMember[],
    /** Fixed member mtime (seconds since epoch) so the archive does not depend on when files were written. */
    mtime = 0,
  ) {
    this.entries = layout(members, mtime);
    const last = this.entries.at(-1);
    this.size = (last ? last.offset + last.length : 0) + 2 * BLOCK; // end-of-archive: two zero blocks
  }

  async identity(): Promise<SourceIdentity> {
    const h = createHash('sha256');
    for (const e of this.entries) h.update(`${e.member.name}\0${e.member.size}\n`);
    return { size: this.size, mtimeMs: 0, fingerprint: h.digest('hex') };
  }

  async read(offset: number, length: number): Promise<Buffer> {
    const out = Buffer.alloc(length); // zero-filled: padding and the end-of-archive blocks stay zero
    const end = offset + length;
    // First entry that ends after offset (binary search over sorted offsets).
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const e = this.entries[mid]!;
      if (e.offset + e.length <= offset) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.entries.length && this.entries[i]!.offset < end; i++) {
      const e = this.entries[i]!;
      // Header bytes.
      const hs = Math.max(offset, e.offset);
      const he = Math.min(end, e.offset + e.header.length);
      if (hs < he) e.header.copy(out, hs - offset, hs - e.offset, he - e.offset);
      // Data bytes.
      const dataStart = e.offset + e.header.length;
      const ds = Math.max(offset, dataStart);
      const de = Math.min(end, dataStart + e.member.size);
      if (ds < de) {
        const fh = await open(e.member.path, 'r');
        try {
          const st = await fh.stat();
          if (st.size !== e.member.size)
            throw new StationError(`${e.member.path} changed since the archive was planned`, 'source-changed');
          let got = 0;
          while (got < de - ds) {
            const { bytesRead } = await fh.read(out, ds - offset + got, de - ds - got, ds - dataStart + got);
            if (bytesRead === 0) throw new StationError(`${e.member.path} is shorter than planned`, 'source-changed');
            got += bytesRead;
          }
        } finally {
          await fh.close();
        }
      }
    }
    return out;
  }
}
