/**
 * Nothing foreign touched, nothing read from outside: package folders the station does not own,
 * symlinks out of a package or a folder destination, paths that are not local, endpoints that would
 * leak, JSON errors that would quote a secret, names that would rewrite the terminal.
 */
import { describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimOutputDir, discardOutput, finishOutputDir } from '../../electron/engine/util/output-dir';
import { serveMedia } from '../../electron/engine/media/serve-media';
import { FolderDestination } from '../../electron/engine/destinations/folder';
import { localPathProblem } from '../../electron/common/paths';
import { endpointProblem, stationConfigSchema } from '../../electron/common/config';
import { parseJsonText } from '../../electron/engine/util/json-text';
import { printable } from '../../electron/common/printable';
import { BUNDLED_FFPROBE_WARNING, locateTools } from '../../electron/engine/ffmpeg/locate';
import { emptyStages, type JobSnapshot } from '../../electron/common/jobs';
import { PACKAGE_MARKER } from '../../electron/common/manifest';

const tmp = (p = 'safety-') => mkdtemp(join(tmpdir(), p));

describe('package folders the station may write into', () => {
  it('refuses the folder that holds the source master (transcode film.mov --out .)', async () => {
    const dir = await tmp();
    await writeFile(join(dir, 'film.mov'), 'master bytes');
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await expect(claimOutputDir(dir, join(dir, 'film.mov'), 'j1')).rejects.toThrow(/holds the source master/);
    // …and a folder above it.
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'm.mov'), 'x');
    await expect(claimOutputDir(dir, join(dir, 'sub', 'm.mov'), 'j1')).rejects.toThrow(/holds the source master/);
    expect((await readdir(dir)).sort()).toEqual(['film.mov', 'notes.txt', 'sub']);
    expect(await readFile(join(dir, 'film.mov'), 'utf8')).toBe('master bytes');
  });

  it('refuses a non-empty folder it did not make, and deletes nothing there', async () => {
    const dir = await tmp();
    const out = join(dir, 'out');
    await mkdir(out);
    await writeFile(join(out, 'thesis.docx'), 'years of work');
    await expect(claimOutputDir(out, '/elsewhere/m.mov', 'j1')).rejects.toThrow(
      /not empty \(thesis\.docx\) and Ingest Station did not make it/,
    );
    expect(await readdir(out)).toEqual(['thesis.docx']);
  });

  it('a job resumes into its own folder; another job replaces only a finished package, never a foreign file', async () => {
    const dir = await tmp();
    const out = join(dir, 'pkg');
    await claimOutputDir(out, '/elsewhere/m.mov', 'j1');
    await mkdir(join(out, '360p'));
    await writeFile(join(out, '360p', 'a.m4s'), 'v1');
    // The same job after a crash finds its chunks as it left them.
    await claimOutputDir(out, '/elsewhere/m.mov', 'j1');
    expect(await readFile(join(out, '360p', 'a.m4s'), 'utf8')).toBe('v1');
    // Another job while j1's package is unfinished: refused, nothing deleted.
    await expect(claimOutputDir(out, '/elsewhere/m.mov', 'j2')).rejects.toThrow(
      /unfinished package of another job \(j1\)/,
    );
    expect(await readFile(join(out, '360p', 'a.m4s'), 'utf8')).toBe('v1');

    await writeFile(join(out, 'master.m3u8'), 'v1');
    await finishOutputDir(out, ['360p/a.m4s', 'master.m3u8']);
    await writeFile(join(out, 'manifest.json'), '{}'); // written by verify with the package: the station's too
    expect(JSON.parse(await readFile(join(out, PACKAGE_MARKER), 'utf8')).files).toEqual(['360p/a.m4s', 'master.m3u8']);
    // A finished package is the station's: a new job removes exactly its files.
    await claimOutputDir(out, '/elsewhere/m.mov', 'j2');
    expect(await readdir(out)).toEqual([PACKAGE_MARKER]);

    // Someone's file in the package folder: the station refuses rather than delete or mix it.
    await writeFile(join(out, 'master.m3u8'), 'v2');
    await finishOutputDir(out, ['master.m3u8']);
    await writeFile(join(out, 'edit-notes.txt'), 'keep me');
    await expect(claimOutputDir(out, '/elsewhere/m.mov', 'j3')).rejects.toThrow(
      /also holds files Ingest Station cannot account for \(edit-notes\.txt\)/,
    );
    expect(await readFile(join(out, 'edit-notes.txt'), 'utf8')).toBe('keep me');
  });

  it('a cancelled job takes away only what it wrote, and the folder only when nothing else is left', async () => {
    const dir = await tmp();
    const out = join(dir, 'pkg');
    await claimOutputDir(out, '/elsewhere/m.mov', 'j1');
    await mkdir(join(out, '360p'));
    await writeFile(join(out, '360p', 'a.m4s'), 'mine');
    await writeFile(join(out, 'readme.txt'), 'put here by the operator meanwhile');
    await discardOutput(out, ['360p/a.m4s', '../outside.txt']);
    expect((await readdir(out)).sort()).toEqual([PACKAGE_MARKER, 'readme.txt']);
    await rm(join(out, 'readme.txt'));
    await discardOutput(out, []);
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });

  it('a kill while the marker was written leaves a temp file the station takes back — and only that one', async () => {
    const dir = await tmp();
    const out = join(dir, 'pkg');
    await mkdir(out);
    // What writeFileAtomic leaves when killed between write and rename; and look-alikes that are not ours.
    const leftover = `.${PACKAGE_MARKER}.0123456789ab.tmp`;
    await writeFile(join(out, leftover), '{"createdBy":"ingest-st');
    await claimOutputDir(out, '/elsewhere/m.mov', 'j1');
    expect(await readdir(out)).toEqual([PACKAGE_MARKER]);
    await writeFile(join(out, leftover), 'again');
    await writeFile(join(out, `.${PACKAGE_MARKER}.not-hex-at-all.tmp`), 'foreign');
    await writeFile(join(out, '.manifest.json.0123456789ab.tmp'), 'a manifest being written');
    await finishOutputDir(out, []);
    expect((await readdir(out)).sort()).toEqual([`.${PACKAGE_MARKER}.not-hex-at-all.tmp`, PACKAGE_MARKER].sort());
  });
});

describe('symlinks never lead out', () => {
  it('the QC media server refuses a symlink out of the package', async () => {
    const dir = await tmp();
    await writeFile(join(dir, 'secret.txt'), 'other client data');
    const pkg = join(dir, 'pkg');
    await mkdir(join(pkg, '360p'), { recursive: true });
    await writeFile(join(pkg, '360p', 'seg_00000.m4s'), 'chunk');
    await symlink(join(dir, 'secret.txt'), join(pkg, '360p', 'seg_00001.m4s'));
    await symlink(dir, join(pkg, 'up'));
    const job = {
      id: 'j1',
      title: 't',
      sourcePath: '/m.mov',
      state: 'done',
      stage: 'report',
      stages: emptyStages(),
      createdAt: '',
      updatedAt: '',
      packageDir: pkg,
    } as JobSnapshot;
    const origin = new FolderDestination('o', dir);
    const ok = await serveMedia({ jobId: 'j1', where: 'local', path: '360p/seg_00000.m4s' }, job, origin);
    expect(ok.status).toBe(200);
    for (const path of ['360p/seg_00001.m4s', 'up/secret.txt']) {
      const r = await serveMedia({ jobId: 'j1', where: 'local', path }, job, origin);
      expect(r.status, path).toBe(403);
      expect(String(r.body)).not.toContain('other client data');
    }
  });

  it('a folder destination refuses to write, read, list or delete through a symlink out of it', async () => {
    const dir = await tmp();
    const root = join(dir, 'origin');
    const outside = join(dir, 'outside');
    await mkdir(root);
    await mkdir(outside);
    await writeFile(join(outside, 'precious.bin'), 'not the station’s');
    await symlink(outside, join(root, 'title'));
    const dest = new FolderDestination('origin', root);
    const src = join(dir, 'chunk.m4s');
    await writeFile(src, 'chunk');
    await expect(dest.put({ localPath: src, key: 'title/new.m4s', size: 5 })).rejects.toThrow(
      /outside the folder destination/,
    );
    await expect(dest.writeObject('title/title.json', Buffer.from('{}'))).rejects.toThrow(
      /outside the folder destination/,
    );
    await expect(dest.read('title/precious.bin')).rejects.toThrow(/outside the folder destination/);
    await expect(dest.delete('title/precious.bin')).rejects.toThrow(/outside the folder destination/);
    await expect(
      (async () => {
        for await (const _o of dest.list('title/')) break;
      })(),
    ).rejects.toThrow(/outside the folder destination/);
    expect(await readdir(outside)).toEqual(['precious.bin']);
  });

  it('a folder destination cancelled while it prepares rejects, writes nothing, and throws nothing uncaught', async () => {
    const dir = await tmp();
    await writeFile(join(dir, 'chunk.m4s'), Buffer.alloc(4 << 20, 1));
    const dest = new FolderDestination('out', join(dir, 'out'));
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown): void => void uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      const stop = new AbortController();
      const put = dest.put({
        localPath: join(dir, 'chunk.m4s'),
        key: 't/chunk.m4s',
        size: 4 << 20,
        signal: stop.signal,
      });
      stop.abort();
      await expect(put).rejects.toThrow(/abort|cancel/i);
      await new Promise((r) => setTimeout(r, 50));
      expect(uncaught).toEqual([]);
      expect(await readdir(join(dir, 'out', 't')).catch(() => [])).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('a folder destination creates only when absent and swaps only an unchanged object', async () => {
    const dest = new FolderDestination('origin', join(await tmp(), 'root'));
    const first = await dest.writeObject('t/title.json', Buffer.from('one'), { ifAbsent: true });
    await expect(dest.writeObject('t/title.json', Buffer.from('two'), { ifAbsent: true })).rejects.toThrow(
      /changed at the store/,
    );
    await expect(dest.writeObject('t/title.json', Buffer.from('two'), { ifEtag: 'f'.repeat(32) })).rejects.toThrow(
      /changed at the store/,
    );
    await dest.writeObject('t/title.json', Buffer.from('three'), { ifEtag: first.etag! });
    expect((await dest.getObject('t/title.json'))!.body.toString()).toBe('three');
    expect(await dest.getObject('t/none.json')).toBeUndefined();
  });
});

describe('inputs are what they say', () => {
  it.each([
    ['film.mov', /not an absolute path/],
    ['./film.mov', /not an absolute path/],
    ['\\\\nas\\share\\film.mov', /network \(UNC\) path/],
    ['//nas/share/film.mov', /network \(UNC\) path/],
    ['\\\\?\\C:\\film.mov', /network \(UNC\) path/],
    ['/a/b\0.mov', /NUL/],
  ])('refuses %j as a master or tool path', (p, why) => {
    expect(localPathProblem(p)).toMatch(why);
  });
  it.each(['/mnt/masters/film.mov', 'C:\\Masters\\film.mov', 'D:/film.mov'])('accepts %j', (p) => {
    expect(localPathProblem(p)).toBeUndefined();
  });

  it('config: tool paths must be absolute local paths', () => {
    const base = { destinations: { o: { type: 'folder', path: 'out' } }, origin: 'o' };
    expect(stationConfigSchema.safeParse({ ...base, ffmpegPath: 'bin/ffmpeg' }).success).toBe(false);
    expect(stationConfigSchema.safeParse({ ...base, ffprobePath: '\\\\tools\\ffprobe.exe' }).success).toBe(false);
    expect(stationConfigSchema.safeParse({ ...base, ffmpegPath: '/usr/bin/ffmpeg' }).success).toBe(true);
  });
});

describe('endpoints that would leak', () => {
  it.each([
    ['https://AKID:SECRET@s3.example.com', /user name or password/],
    ['http://s3.example.com', /plain http is allowed only to this machine/],
    ['ftp://s3.example.com', /not http/],
    ['https://s3.example.com/?x=1', /no query/],
  ])('refuses %s', (url, why) => {
    expect(endpointProblem(url)).toMatch(why);
    const r = stationConfigSchema.safeParse({
      destinations: { o: { type: 's3', bucket: 'films', endpoint: url } },
      origin: 'o',
    });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).not.toContain('SECRET');
  });
  it.each([
    'https://s3.us-west-004.backblazeb2.com',
    'http://127.0.0.1:17480',
    'http://localhost:9000',
    'http://[::1]:9000',
  ])('accepts %s', (url) => {
    expect(endpointProblem(url)).toBeUndefined();
  });
});

describe('no secret in any text', () => {
  it('a JSON syntax error is reported by position only', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRET';
    for (const text of [
      `{"secretAccessKey": ${secret}}`,
      `{"secretAccessKey": "${secret}" "x": 1}`,
      `{"a": "${secret}`,
    ]) {
      let message = '';
      try {
        parseJsonText(text, 'Config file /x.json');
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/^Config file \/x\.json is not valid JSON: \w+ at line 1, column \d+/);
      expect(message).not.toContain(secret.slice(0, 8));
      // V8's own message would have quoted it.
      expect(() => JSON.parse(text)).toThrow();
    }
  });

  it('printable(): terminal escapes, carriage returns and bidi overrides become visible escapes', () => {
    expect(printable('a\u001b[2Jb\rc\u202eevil\u009bd\tok\n')).toBe('a\\u001b[2Jb\\u000dc\\u202eevil\\u009bd\tok\n');
  });
});

describe('the bundled 2018 ffprobe', () => {
  it('is found only as a last resort, and then with a warning saying how to install a current one', async () => {
    const bin = await tmp('tools-');
    const ffmpeg = join(bin, 'ffmpeg');
    await writeFile(ffmpeg, '#!/bin/sh\n');
    await chmod(ffmpeg, 0o755);
    const tools = locateTools({ ffmpegPath: ffmpeg, env: { PATH: '' } });
    expect(tools.ffprobe).toMatch(/ffprobe-static/);
    expect(tools.ffprobeWarning).toBe(BUNDLED_FFPROBE_WARNING);
    expect(tools.ffprobeWarning).toMatch(/4\.0\.2 from 2018.*apt-get install ffmpeg/);
    const current = locateTools({ ffmpegPath: ffmpeg, env: { PATH: '/usr/bin' } });
    expect(current.ffprobe).toBe('/usr/bin/ffprobe');
    expect(current.ffprobeWarning).toBeUndefined();
  });
});
