/**
 * The deterministic package tar: GNU tar reads it back exactly (including a long pax name), any
 * byte range equals the same slice of the whole archive, and the same files give the same bytes.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  FIRST_HEADER_BYTES,
  TarSource,
  firstMember,
  tarLayout,
  type TarMember,
} from '../../electron/engine/transfer/tar-source';

const run = promisify(execFile);

async function fixture(): Promise<{ dir: string; members: TarMember[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'tar-'));
  const longName = `${'deep/'.repeat(30)}segment_with_a_long_name.m4s`;
  const specs: Array<[string, number]> = [
    ['master.m3u8', 300],
    ['720p/seg_00000.m4s', 70_001],
    ['720p/empty.m4s', 0],
    [longName, 1024],
    ['audio/init.mp4', 512],
  ];
  const members: TarMember[] = [];
  for (const [name, size] of specs) {
    const path = join(dir, 'src', name);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + name.length) & 0xff)));
    members.push({ name: `title/${name}`, path, size });
  }
  return { dir, members };
}

describe('TarSource', () => {
  it('GNU tar lists and extracts it exactly, long names included', async () => {
    const { dir, members } = await fixture();
    const tar = new TarSource('t', members);
    await writeFile(join(dir, 'a.tar'), await tar.read(0, tar.size));
    const { stdout } = await run('tar', ['-tf', join(dir, 'a.tar')]);
    expect(stdout.trim().split('\n')).toEqual(members.map((m) => m.name));
    await mkdir(join(dir, 'out'));
    await run('tar', ['-xf', join(dir, 'a.tar'), '-C', join(dir, 'out')]);
    for (const m of members)
      expect((await readFile(join(dir, 'out', m.name))).equals(await readFile(m.path)), m.name).toBe(true);
    expect(tar.size % 512).toBe(0);
  });

  it('any byte range equals the same slice of the whole archive', async () => {
    const { members } = await fixture();
    const tar = new TarSource('t', members);
    const whole = await tar.read(0, tar.size);
    for (let i = 0; i < 200; i++) {
      const a = Math.floor(Math.random() * tar.size);
      const len = Math.min(tar.size - a, 1 + Math.floor(Math.random() * 9000));
      expect((await tar.read(a, len)).equals(whole.subarray(a, a + len)), `range ${a}+${len}`).toBe(true);
    }
  });

  it('is deterministic: file times and the moment of building do not change a byte', async () => {
    const { members } = await fixture();
    const first = await new TarSource('t', members).read(0, new TarSource('t', members).size);
    for (const m of members) await utimes(m.path, new Date(2001, 1, 1), new Date(2001, 1, 1));
    const again = new TarSource('t', members);
    expect((await again.read(0, again.size)).equals(first)).toBe(true);
    expect((await again.identity()).fingerprint).toBe((await new TarSource('x', members).identity()).fingerprint);
  });
});

describe('the tar index (ranged reads of one member)', () => {
  it('tarLayout gives each member the exact bytes TarSource wrote, and firstMember reads the first header', async () => {
    const { members } = await fixture();
    const tar = new TarSource('t', members);
    const whole = await tar.read(0, tar.size);
    const ranges = tarLayout(members.map(({ name, size }) => ({ name, size })));
    for (const m of members) {
      const r = ranges.get(m.name)!;
      expect(whole.subarray(r.start, r.end).equals(await readFile(m.path)), m.name).toBe(true);
    }
    expect(firstMember(whole.subarray(0, FIRST_HEADER_BYTES))).toEqual({
      name: members[0]!.name,
      size: members[0]!.size,
    });
    // A long first name goes through a pax header.
    const long = [members[3]!, ...members.slice(0, 3)];
    const tar2 = new TarSource('t2', long);
    expect(firstMember(await tar2.read(0, FIRST_HEADER_BYTES))).toEqual({ name: long[0]!.name, size: long[0]!.size });
    expect(() => firstMember(Buffer.alloc(FIRST_HEADER_BYTES))).toThrow(/not a ustar archive/);
  });
});
