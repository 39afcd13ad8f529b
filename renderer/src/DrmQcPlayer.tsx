/**
 * QC player for a DRM title: Shaka Player (hls.js cannot use ClearKey with Widevine, PlayReady or
 * FairPlay signalled playlists) plays the DASH or HLS package — local, or the origin copy — through
 * ClearKey (`org.w3.clearkey`) with the station's keys. The keys come over IPC from the engine
 * (`drmPlayerKeys`), are held in this component's memory for the session only, and go nowhere else:
 * never to disk, never into a URL, never to the origin. Shows the scheme, the systems, each key ID
 * with its track type, and the provider.
 */
import { useEffect, useRef, useState } from 'react';
import shaka from 'shaka-player';
import type { JobSnapshot } from '../../electron/common/jobs';
import type { MediaSource as QcSource, StationApi } from '../../electron/common/api';
import { CopySelect } from './CopySelect';
import { DrmFacts } from './detail/DrmFacts';
import { QcVideo } from './QcVideo';

type Manifest = 'master.m3u8' | 'manifest.mpd';

interface Status {
  session: string;
  error?: string;
  width?: number;
}

export function DrmQcPlayer({ job, station }: { job: JobSnapshot; station: StationApi }): React.JSX.Element {
  const videoRef = useRef<HTMLVideoElement>(null);
  const [source, setSource] = useState<QcSource>('local');
  const [manifest, setManifest] = useState<Manifest>('master.m3u8');
  const [open, setOpen] = useState(false);
  const [status, setStatus] = useState<Status>();
  const [time, setTime] = useState(0);
  const onOrigin = job.stages.uploadOrigin.state === 'done';
  const session = open ? `${job.id}:${source}:${manifest}` : '';
  const current = status?.session === session ? status : undefined;

  useEffect(() => {
    const video = videoRef.current;
    if (!session || !video) return;
    let player: shaka.Player | undefined;
    let gone = false;
    const fail = (why: string): void => {
      if (!gone) setStatus({ session, error: why });
    };
    void (async () => {
      shaka.polyfill.installAll();
      if (!shaka.Player.isBrowserSupported()) return fail('this display cannot play through MediaSource');
      // Held here only: handed to Shaka's ClearKey configuration, never stored.
      const clearKeys = await station.drmPlayerKeys(job.id);
      if (gone) return;
      player = new shaka.Player();
      await player.attach(video);
      player.configure({ drm: { clearKeys } });
      player.addEventListener('error', (e) =>
        fail(`Shaka error ${(e as unknown as { detail: { code: number } }).detail.code}`),
      );
      await player.load(station.mediaUrl(job.id, source, manifest));
      if (!gone) setStatus({ session, width: video.videoWidth });
      await video.play().catch(() => undefined);
    })().catch((e: unknown) =>
      fail(e instanceof Error ? e.message : `Shaka error ${(e as { code?: number }).code ?? '?'}`),
    );
    return () => {
      gone = true;
      void player?.destroy();
    };
  }, [session, source, manifest, job.id, station]);

  return (
    <details
      className="qc detail__block"
      data-testid="qc-player"
      onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}
    >
      <summary>QC player (DRM, ClearKey with the station&apos;s keys)</summary>
      {job.drm && <DrmFacts drm={job.drm} />}
      <div className="qc__controls">
        <CopySelect source={source} onOrigin={onOrigin} onPick={setSource} />
        <label>
          Manifest{' '}
          <select value={manifest} onChange={(e) => setManifest(e.target.value as Manifest)} data-testid="qc-manifest">
            <option value="master.m3u8">HLS</option>
            <option value="manifest.mpd">DASH (when the package has one)</option>
          </select>
        </label>
      </div>
      <QcVideo ref={videoRef} onTime={setTime} />
      <p className="qc__status" data-testid="qc-status" data-time={time.toFixed(2)}>
        {current?.error
          ? `Cannot play: ${current.error}`
          : current
            ? `Playing ${manifest === 'manifest.mpd' ? 'DASH' : 'HLS'} from the ${source === 'local' ? 'local package' : 'origin'} · ${time.toFixed(1)} s`
            : open
              ? 'Loading…'
              : ''}
      </p>
    </details>
  );
}
