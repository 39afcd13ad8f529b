/**
 * Main's safeStorage box and station-media: protocol with `electron` stood in for, and the engine's
 * media server on a real package folder: only package files, never a path outside it.
 */
import { describe, expect, it, vi } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { emptyStages, type JobSnapshot } from '../../electron/common/jobs';
import { mediaPath } from '../../electron/common/api';
import { parseMediaPath, serveMedia } from '../../electron/engine/media/serve-media';
import { FolderDestination } from '../../electron/engine/destinations/folder';
import { safeStorageBox } from '../../electron/main/safe-storage-box';
import { handleMediaProtocol, MEDIA_SCHEME_PRIVILEGES } from '../../electron/main/media-protocol';
import { tempDir } from '../helpers/station';

const storage = (backend: string, available = true) => ({
  isEncryptionAvailable: () => available,
  encryptString: vi.fn((s: string) => Buffer.from(`enc:${s}`)),
  decryptString: vi.fn((b: Buffer) => b.toString().slice(4)),
  getSelectedStorageBackend: () => backend as never,
});

describe('safeStorage box', () => {
  it('uses the OS store, and refuses Linux basic_text (a hard-coded key) as unavailable', () => {
    expect(safeStorageBox(storage('gnome_libsecret'), 'linux').isAvailable()).toBe(true);
    expect(safeStorageBox(storage('basic_text'), 'linux').isAvailable()).toBe(false);
    expect(safeStorageBox(storage('unknown', false), 'darwin').isAvailable()).toBe(false);
    const mac = safeStorageBox(storage('n/a'), 'darwin');
    expect(mac.backend()).toBe('macOS Keychain');
    expect(mac.decrypt(mac.encrypt('s3cret'))).toBe('s3cret');
  });
});

describe('QC media', () => {
  async function job(): Promise<{ job: JobSnapshot; dir: string }> {
    const dir = await tempDir();
    const pkg = join(dir, 'package');
    await mkdir(join(pkg, '360p'), { recursive: true });
    await writeFile(join(pkg, 'master.m3u8'), '#EXTM3U\n');
    await writeFile(join(pkg, '360p', 'seg_00000.m4s'), 'segment');
    await writeFile(join(dir, 'secret.txt'), 'not yours');
    const t = new Date().toISOString();
    return {
      dir,
      job: {
        id: 'jqc1',
        title: 'QC Film',
        sourcePath: '/m/qc.mov',
        state: 'done',
        stage: 'report',
        stages: emptyStages(),
        createdAt: t,
        updatedAt: t,
        packageDir: pkg,
      },
    };
  }

  it('serves package files with their types; nothing outside the package; origin only once uploaded', async () => {
    const { job: j, dir } = await job();
    const origin = new FolderDestination('origin', join(dir, 'origin'));
    const get = (where: 'local' | 'origin', path: string) => serveMedia({ jobId: j.id, where, path }, j, origin);
    const master = await get('local', 'master.m3u8');
    expect([master.status, master.contentType, Buffer.from(master.body).toString()]).toEqual([
      200,
      'application/vnd.apple.mpegurl',
      '#EXTM3U\n',
    ]);
    expect((await get('local', '360p/seg_00000.m4s')).contentType).toBe('video/iso.segment');
    expect((await get('local', '../secret.txt')).status).toBe(400);
    expect((await get('local', 'nope.m3u8')).status).toBe(404);
    expect((await get('origin', 'master.m3u8')).body).toBe('this title is not on the origin yet');
    expect((await serveMedia({ jobId: 'jnone', where: 'local', path: 'master.m3u8' }, undefined, origin)).status).toBe(
      404,
    );
    // The URL path round-trips, and anything else is refused.
    expect(parseMediaPath(mediaPath('jqc1', 'origin', '360p/seg 1.m4s'))).toEqual({
      jobId: 'jqc1',
      where: 'origin',
      path: '360p/seg 1.m4s',
    });
    expect(parseMediaPath('jqc1/elsewhere/master.m3u8')).toBeUndefined();
    expect(parseMediaPath('../etc/passwd')).toBeUndefined();
  });

  it('main registers a privileged scheme and answers only station-media://title/… GETs, readable by the app page only', async () => {
    expect(MEDIA_SCHEME_PRIVILEGES).toMatchObject({
      scheme: 'station-media',
      privileges: { standard: true, secure: true, supportFetchAPI: true },
    });
    let handler: ((r: Request) => Promise<Response>) | undefined;
    const media = vi.fn(async (p: string) => ({
      status: 200,
      contentType: 'application/vnd.apple.mpegurl',
      body: `served ${p}`,
    }));
    handleMediaProtocol(
      { handle: (_s: string, h: (r: Request) => Promise<Response>) => void (handler = h) } as never,
      media,
      'app://station',
    );
    const ok = await handler!(new Request('station-media://title/jqc1/local/master.m3u8'));
    expect([ok.status, await ok.text(), ok.headers.get('content-type')]).toEqual([
      200,
      'served /jqc1/local/master.m3u8',
      'application/vnd.apple.mpegurl',
    ]);
    expect(ok.headers.get('access-control-allow-origin')).toBe('app://station');
    expect((await handler!(new Request('station-media://elsewhere/x'))).status).toBe(404);
    expect(media).toHaveBeenCalledTimes(1);
  });
});
