/**
 * The CLI as a careless or hostile user would drive it: `transcode --out` at the master's own folder
 * or a folder of someone's files, masters that are playlists in disguise, names with terminal
 * escapes or a backslash, and a machine whose only ffprobe is the bundled 2018 one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BIN, CLI_ENV, runCli } from '../helpers/cli';
import { makeMaster } from '../helpers/masters';
import { tempDir } from '../helpers/station';
import { hashFile } from '../../electron/engine/util/hash-file';

let dir: string;
let master: string;

beforeAll(async () => {
  dir = await tempDir('ingest-cli-safety-');
  master = await makeMaster({ seconds: 2 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('transcode --out never deletes what it did not write', () => {
  it('`transcode film.mov --out .` in the master’s folder is refused; the folder and the master are untouched', async () => {
    const cwd = join(dir, 'desk');
    await mkdir(cwd);
    await copyFile(master, join(cwd, 'film.mov'));
    await writeFile(join(cwd, 'contract.pdf'), 'signed');
    const before = await hashFile(join(cwd, 'film.mov'));
    const r = await runCli(['transcode', 'film.mov', '--out', '.', '--profile', 'preview'], cwd);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Refused to write the package into .*: it holds the source master/);
    expect((await readdir(cwd)).sort()).toEqual(['contract.pdf', 'film.mov']);
    expect(await hashFile(join(cwd, 'film.mov'))).toEqual(before);
  });

  it('a folder of someone’s files is refused; an empty one is used; its own package is replaced; a foreign file in it stops the next run', async () => {
    const theirs = join(dir, 'theirs');
    await mkdir(theirs);
    await writeFile(join(theirs, 'edit.prproj'), 'project');
    const refused = await runCli(['transcode', master, '--out', theirs, '--profile', 'preview']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not empty \(edit\.prproj\) and Ingest Station did not make it/);
    expect(await readdir(theirs)).toEqual(['edit.prproj']);

    const out = join(dir, 'pkg');
    const first = await runCli(['transcode', master, '--out', out, '--profile', 'preview', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const again = await runCli(['transcode', master, '--out', out, '--profile', 'preview']);
    expect(again.code, again.stderr).toBe(0);
    expect(await readdir(out)).toContain('manifest.json');

    await writeFile(join(out, 'notes.txt'), 'mine');
    const third = await runCli(['transcode', master, '--out', out, '--profile', 'preview']);
    expect(third.code).toBe(1);
    expect(third.stderr).toMatch(/also holds files Ingest Station cannot account for \(notes\.txt\)/);
    expect(await readFile(join(out, 'notes.txt'), 'utf8')).toBe('mine');
    expect(await readdir(out)).toContain('manifest.json'); // the previous package is still whole
  });
});

describe('inputs are what they say', () => {
  it('a "master" that is an HLS playlist pointing at another client’s file is rejected with its own code', async () => {
    const other = join(dir, 'other-client.mp4');
    await copyFile(master, other);
    const disguised = join(dir, 'Supplier Film.mov');
    await writeFile(disguised, `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:2,\nfile://${other}\n#EXT-X-ENDLIST\n`);
    const concat = join(dir, 'Reel 2.mkv');
    await writeFile(concat, `ffconcat version 1.0\nfile '${other}'\n`);
    const r = await runCli(['probe', disguised, concat, '--json']);
    expect(r.code).toBe(1);
    const results = (
      JSON.parse(r.stdout) as {
        results: Array<{ path: string; accepted: boolean; findings: Array<{ code: string; message: string }> }>;
      }
    ).results;
    expect(results.map((x) => [x.accepted, x.findings[0]!.code])).toEqual([
      [false, 'not-a-master-format'],
      [false, 'not-a-master-format'],
    ]);
    expect(results[0]!.findings[0]!.message).toMatch(
      /^This file is an HLS playlist \(ffmpeg's "hls" format\), not a master/,
    );
    expect(results[1]!.findings[0]!.message).toMatch(/an ffmpeg concat list/);
  });

  it('names with terminal escapes reach the terminal as visible escapes; a "\\\\" in a POSIX name is archived under a safe key', async () => {
    const evil = join(dir, 'names', 'Film\u001b[2J\rDONE \\ part.mov');
    await mkdir(join(dir, 'names'), { recursive: true });
    await copyFile(master, evil);
    const config = join(dir, 'names.json');
    await writeFile(
      config,
      JSON.stringify({
        destinations: {
          o: { type: 'folder', path: join(dir, 'names-origin') },
          a: { type: 'folder', path: join(dir, 'names-archive') },
        },
        origin: 'o',
        archive: 'a',
        workDir: join(dir, 'names-work'),
        profile: 'preview',
        segmentSeconds: 2,
      }),
    );
    const r = await runCli(['ingest', evil, '--config', config]);
    expect(r.code, r.stderr).toBe(0);
    // eslint-disable-next-line no-control-regex -- the point: no raw ESC reaches the terminal
    expect(r.stderr).not.toMatch(/[\u001b\r]/);
    expect(r.stderr).toContain('Film\\u001b[2J\\u000dDONE');
    const archived = await readdir(join(dir, 'names-archive'), { recursive: true });
    expect(archived.some((f) => f.endsWith('source/Film_[2J_DONE _ part.mov'))).toBe(true);
  });
});

describe('the bundled 2018 ffprobe', () => {
  it('the CLI warns when it is the ffprobe in use, and says how to install a current one', async () => {
    const bin = join(dir, 'only-ffmpeg');
    await mkdir(bin);
    await symlink('/usr/bin/ffmpeg', join(bin, 'ffmpeg'));
    const r = await new Promise<{ code: number; stderr: string }>((done) =>
      execFile(process.execPath, [BIN, 'probe', master], { env: { ...CLI_ENV, PATH: bin } }, (err, _o, stderr) =>
        done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );
    expect(r.stderr).toMatch(
      /warning: ffprobe in use is the bundled ffprobe-static 4\.0\.2 from 2018.*sudo apt-get install ffmpeg/,
    );
    expect(r.stderr).toMatch(/ffprobe: .*ffprobe-static/);
  });
});
