/**
 * The CENC encryptor (drm/cenc.ts) against the reference: shaka-packager encrypting the same clear
 * CMAF chunks with the same keys and IVs must produce the same encrypted samples and the same senc
 * (subsample maps, IVs) — for cbcs and cenc, video and audio — and the same pssh boxes. Then what
 * the station itself needs: one init per rendition that never changes, every fragment keeping its
 * sequence number and decode time, every sample's protected range really changed, the exact clear
 * bytes back from decryptFragment, and ffmpeg decoding the encrypted chunks with the key (frame for
 * frame the clear ones) but not with another.
 */
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cbcsIv,
  cencChunkIv,
  clearFragment,
  decryptFragment,
  encryptFragment,
  protectInit,
  trackSetup,
  unprotectInit,
  type TrackCrypto,
} from '../../electron/engine/drm/cenc';
import { stationPssh } from '../../electron/engine/drm/pssh';
import type { DrmScheme } from '../../electron/engine/drm/keys';
import { initLayout, segmentInfo, segmentLayout } from '../../electron/engine/media/fmp4';
import { makeCmafPackage, type CmafRendition } from '../helpers/cmaf';
import { shakaPackager } from '../helpers/shaka-packager';
import { tempDir } from '../helpers/station';

const run = promisify(execFile);
const KEYS = {
  video: { kid: '11111111-2222-3333-4444-555555555555', key: Buffer.from('00112233445566778899aabbccddeeff', 'hex') },
  audio: { kid: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', key: Buffer.from('ffeeddccbbaa99887766554433221100', 'hex') },
};
const IV16 = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
const IV8 = Buffer.from('0123456789abcdef', 'hex');

let dir: string;
let pkg: CmafRendition[];
const video = (): CmafRendition => pkg.find((r) => r.name === '360p')!;
const audio = (): CmafRendition => pkg.find((r) => r.kind === 'audio')!;

/** shaka-packager over one rendition (init + all segments as one input), raw keys, the given IV. */
async function reference(r: CmafRendition, scheme: DrmScheme): Promise<{ init: Buffer; segments: Buffer[] }> {
  const out = join(dir, `ref-${scheme}-${r.name}`);
  const input = join(dir, `in-${r.name}.mp4`);
  await writeFile(input, Buffer.concat(await Promise.all([r.init, ...r.segments].map((f) => readFile(f)))));
  const k = r.kind === 'video' ? KEYS.video : KEYS.audio;
  await shakaPackager([
    `in=${input},stream=${r.kind},init_segment=${out}/init.mp4,segment_template=${out}/$Number$.m4s`,
    '--enable_raw_key_encryption',
    '--protection_scheme',
    scheme,
    '--keys',
    `label=:key_id=${k.kid.replace(/-/g, '')}:key=${k.key.toString('hex')}`,
    '--protection_systems',
    'Widevine,PlayReady',
    '--clear_lead',
    '0',
    '--segment_duration',
    '2',
    '--iv',
    (scheme === 'cbcs' ? IV16 : IV8).toString('hex'),
  ]);
  return {
    init: await readFile(join(out, 'init.mp4')),
    segments: await Promise.all(r.segments.map((_, i) => readFile(join(out, `${i + 1}.m4s`)))),
  };
}

const crypto = (r: CmafRendition, scheme: DrmScheme): TrackCrypto => {
  const k = r.kind === 'video' ? KEYS.video : KEYS.audio;
  return { scheme, kid: k.kid, key: k.key, constantIv: IV16 };
};

/** The encrypted samples and the senc box of a fragment. */
function payload(seg: Buffer): { samples: Buffer; senc: Buffer } {
  const l = segmentLayout(seg);
  const senc = l.trafChildren.find((b) => b.type === 'senc')!;
  const total = l.sampleSizes.reduce((a, b) => a + b, 0);
  return {
    samples: seg.subarray(l.dataStart, l.dataStart + total),
    senc: seg.subarray(senc.start, senc.start + senc.size),
  };
}

/** shaka-packager's IVs run on across segments: segment n starts after the samples before it. */
function ivAfter(samplesBefore: number): Buffer {
  const iv = Buffer.alloc(8);
  iv.writeBigUInt64BE(IV8.readBigUInt64BE(0) + BigInt(samplesBefore));
  return iv;
}

beforeAll(async () => {
  dir = await tempDir('ingest-drm-cenc-');
  pkg = await makeCmafPackage(join(dir, 'clear'), 4);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('CENC encryptor against shaka-packager', () => {
  for (const scheme of ['cbcs', 'cenc'] as const)
    for (const kind of ['video', 'audio'] as const)
      it(`${scheme} ${kind}: the same encrypted samples and senc, chunk by chunk`, async () => {
        const r = kind === 'video' ? video() : audio();
        const ref = await reference(r, scheme);
        const setup = trackSetup(await readFile(r.init));
        let before = 0;
        for (const [i, file] of r.segments.entries()) {
          const clear = await readFile(file);
          const mine = encryptFragment(clear, setup, crypto(r, scheme), { iv: ivAfter(before) });
          before += segmentInfo(clear).samples.length;
          const a = payload(mine);
          const b = payload(ref.segments[i]!);
          expect(a.samples.equals(b.samples), `${file}: samples`).toBe(true);
          expect(a.senc.equals(b.senc), `${file}: senc`).toBe(true);
        }
      });

  it("the station's Widevine and PlayReady pssh boxes are shaka-packager's, for cbcs and cenc", async () => {
    for (const scheme of ['cbcs', 'cenc'] as const) {
      const ref = await reference(video(), scheme);
      const l = initLayout(ref.init);
      const theirs = l.pssh.map((b) => ref.init.subarray(b.start, b.start + b.size));
      const ours = stationPssh(KEYS.video, [KEYS.video.kid], scheme, ['widevine', 'playready']);
      expect(theirs).toContainEqual(ours.widevine);
      expect(theirs).toContainEqual(ours.playready);
    }
  });
});

describe('CENC encryptor for the streamed pipeline', () => {
  it('one init per rendition, byte-identical from run to run; tenc, schm and pssh in it; clear init back', async () => {
    const init = await readFile(video().init);
    const c = crypto(video(), 'cbcs');
    const pssh = Object.values(stationPssh(KEYS.video, [KEYS.video.kid], 'cbcs', ['widevine', 'playready']));
    const a = protectInit(init, c, pssh);
    const b = protectInit(Buffer.from(init), { ...c, constantIv: cbcsIv(c.kid, IV16) }, pssh);
    expect(a.equals(b)).toBe(true);
    const l = initLayout(a);
    expect(l.protection).toMatchObject({ scheme: 'cbcs', crypt: 1, skip: 9, ivSize: 0 });
    expect(l.pssh).toHaveLength(2);
    expect(l.format).toBe('avc1');
    expect(unprotectInit(a).equals(init)).toBe(true);
  });

  it('each fragment keeps its sequence number, decode time and samples; every sample encrypted; exact clear bytes back', async () => {
    for (const r of pkg)
      for (const scheme of ['cbcs', 'cenc'] as const) {
        const init = await readFile(r.init);
        const c = crypto(r, scheme);
        const setup = trackSetup(init);
        for (const [i, file] of r.segments.entries()) {
          const clear = await readFile(file);
          const iv = cencChunkIv(c.key, r.name, i, 'sha');
          const enc = encryptFragment(clear, setup, c, { iv });
          const before = segmentInfo(clear);
          const after = segmentInfo(enc);
          // Where the data starts and ends moves (senc, saiz, saio, sgpd come in front of it).
          expect({ ...after, firstSampleEnd: 0, dataEnd: 0 }).toEqual({ ...before, firstSampleEnd: 0, dataEnd: 0 });
          expect(segmentLayout(enc).trafChildren.map((b) => b.type)).toContain('senc');
          // Every sample changed where its protected range lies (each has ≥ one full block here).
          const lc = segmentLayout(clear);
          const le = segmentLayout(enc);
          let p = 0;
          for (const size of lc.sampleSizes) {
            const x = clear.subarray(lc.dataStart + p, lc.dataStart + p + size);
            const y = enc.subarray(le.dataStart + p, le.dataStart + p + size);
            if (size >= 64) expect(x.equals(y), `${file}: a sample of ${size} bytes left clear`).toBe(false);
            p += size;
          }
          expect(decryptFragment(enc, protectInit(init, c), c.key).equals(clear)).toBe(true);
          // Deterministic: the same chunk, key and IV give the same bytes (a crash mid-swap is repaired identically).
          expect(encryptFragment(clear, setup, c, { iv }).equals(enc)).toBe(true);
        }
      }
  });

  it('ffmpeg decodes the encrypted rendition with its key, frame for frame the clear one; another key does not', async () => {
    for (const scheme of ['cbcs', 'cenc'] as const) {
      const r = video();
      const init = await readFile(r.init);
      const c = crypto(r, scheme);
      const setup = trackSetup(init);
      const segs = await Promise.all(r.segments.map((f) => readFile(f)));
      const enc = [
        protectInit(init, c),
        ...segs.map((s, i) => encryptFragment(s, setup, c, { iv: cencChunkIv(c.key, r.name, i, 'x') })),
      ];
      const clearFile = join(dir, `clear-${scheme}.mp4`);
      const encFile = join(dir, `enc-${scheme}.mp4`);
      await writeFile(clearFile, Buffer.concat([init, ...segs]));
      await writeFile(encFile, Buffer.concat(enc));
      const frames = async (file: string, key?: string): Promise<string[]> => {
        const { stdout } = await run(
          'ffmpeg',
          ['-v', 'error', ...(key ? ['-decryption_key', key] : []), '-i', file, '-f', 'framemd5', '-'],
          { maxBuffer: 1 << 24 },
        );
        return stdout.split('\n').filter((l) => l && !l.startsWith('#'));
      };
      const clearFrames = await frames(clearFile);
      expect(clearFrames.length).toBeGreaterThan(90);
      expect(await frames(encFile, c.key.toString('hex'))).toEqual(clearFrames);
      const wrong = await frames(encFile, 'ffffffffffffffffffffffffffffffff').catch(() => [] as string[]);
      expect(wrong).not.toEqual(clearFrames);
    }
  });

  it('key rotation: a fragment under a later key names it in a seig sample group; decrypted with that key only', async () => {
    for (const scheme of ['cbcs', 'cenc'] as const) {
      const r = video();
      const init = await readFile(r.init);
      const first = crypto(r, scheme);
      const later: TrackCrypto = {
        ...first,
        kid: KEYS.audio.kid,
        key: KEYS.audio.key,
        constantIv: cbcsIv(KEYS.audio.kid),
      };
      const clear = await readFile(r.segments[1]!);
      const enc = encryptFragment(clear, trackSetup(init), later, { iv: IV8, seig: true });
      const types = segmentLayout(enc).trafChildren.map((b) => b.type);
      expect(types).toEqual(expect.arrayContaining(['senc', 'sgpd', 'sbgp']));
      const pinit = protectInit(init, first);
      const keys = new Map([
        [first.kid, first.key],
        [later.kid, later.key],
      ]);
      expect(decryptFragment(enc, pinit, (kid) => keys.get(kid)).equals(clear)).toBe(true);
      expect(() => decryptFragment(enc, pinit, (kid) => (kid === first.kid ? first.key : undefined))).toThrow(
        new RegExp(`no key for key ID ${later.kid}`),
      );
    }
  });

  it("clear lead: a chunk left clear points at the init's clear sample entry; ffmpeg decodes it; decrypt points it back", async () => {
    const r = video();
    const init = await readFile(r.init);
    const c = crypto(r, 'cbcs');
    const clear = await readFile(r.segments[0]!);
    const lead = clearFragment(clear);
    expect(segmentLayout(lead).trafChildren.map((b) => b.type)).not.toContain('senc');
    expect(segmentInfo(lead).samples).toEqual(segmentInfo(clear).samples);
    const pinit = protectInit(init, c, [], true);
    expect(initLayout(pinit).entries.map((e) => e.type)).toEqual(['encv', 'avc1']);
    expect(unprotectInit(pinit).equals(init)).toBe(true);
    // Decrypted, it decodes behind the clear init like the original (frames compared below).
    const back = decryptFragment(lead, pinit, c.key);
    const file = join(dir, 'lead.mp4');
    await writeFile(file, Buffer.concat([pinit, lead]));
    const { stdout, stderr } = await run(
      'ffmpeg',
      ['-v', 'error', '-decryption_key', c.key.toString('hex'), '-i', file, '-f', 'framemd5', '-'],
      {
        maxBuffer: 1 << 24,
      },
    );
    const clearFile = join(dir, 'lead-clear.mp4');
    await writeFile(clearFile, Buffer.concat([init, clear]));
    const want = await run('ffmpeg', ['-v', 'error', '-i', clearFile, '-f', 'framemd5', '-'], { maxBuffer: 1 << 24 });
    expect(stderr).toBe('');
    const frames = (t: string) => t.split('\n').filter((x) => x && !x.startsWith('#'));
    expect(frames(stdout)).toEqual(frames(want.stdout));
    const backFile = join(dir, 'lead-back.mp4');
    await writeFile(backFile, Buffer.concat([init, back]));
    const again = await run('ffmpeg', ['-v', 'error', '-i', backFile, '-f', 'framemd5', '-'], { maxBuffer: 1 << 24 });
    expect(frames(again.stdout)).toEqual(frames(want.stdout));
  });

  it('a damaged H.264 sample is refused with a sentence, not encrypted wrongly', async () => {
    const r = video();
    const clear = Buffer.from(await readFile(r.segments[0]!));
    const l = segmentLayout(clear);
    clear.writeUInt32BE(0x7fffffff, l.dataStart); // the first NAL unit claims more bytes than the sample has
    expect(() =>
      encryptFragment(
        clear,
        { kind: 'video', format: 'avc1', avc: { lengthSize: 4, parameterSets: [] } },
        crypto(r, 'cbcs'),
      ),
    ).toThrow(/NAL unit longer than the sample/);
  });
});
