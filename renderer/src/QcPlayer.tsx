/**
 * QC player: plays a title's package with hls.js — the local package, or the origin copy once it is
 * uploaded — with rung, audio and subtitle selection. Files come through the station's media URL
 * (Electron: the station-media: protocol answered by main; never file://). hls.js runs without its
 * worker so the CSP needs no blob: workers.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import Hls, { type Level, type MediaPlaylist } from 'hls.js';
import type { JobSnapshot } from '../../electron/common/jobs';
import type { MediaSource as QcSource, StationApi } from '../../electron/common/api';
import { CopySelect } from './CopySelect';
import { QcVideo } from './QcVideo';

const levelName = (l: Level): string => `${l.height}p`;

/** Audio or subtitle tracks of the playing copy (hidden when it has none); `off` offers "Off" (-1). */
function TrackSelect(props: {
  label: string;
  testId: string;
  tracks: MediaPlaylist[];
  off?: boolean;
  onPick(id: number): void;
}): React.JSX.Element | null {
  if (props.tracks.length === 0) return null;
  return (
    <label>
      {props.label}{' '}
      <select onChange={(e) => props.onPick(Number(e.target.value))} data-testid={props.testId}>
        {props.off && <option value={-1}>Off</option>}
        {props.tracks.map((t) => (
          <option key={t.id} value={t.id}>
            {t.name || t.lang || `track ${t.id + 1}`}
          </option>
        ))}
      </select>
    </label>
  );
}

/** What one loaded copy reported; kept with the session it belongs to, so a stale one is ignored. */
interface Loaded {
  session: string;
  levels: Level[];
  audio: MediaPlaylist[];
  subtitles: MediaPlaylist[];
  playing?: number;
  /** The audio and subtitle tracks hls.js switched to (names as the package gives them). */
  audioTrack?: string;
  subtitleTrack?: string;
  error?: string;
}

/** What the controls change in the playing hls.js. */
interface HlsControl {
  level(i: number): void;
  audio(id: number): void;
  subtitles(id: number): void;
}

/** One hls.js for the open session (a title and a copy): what it loaded, played and switched to. */
function useHlsSession(
  video: React.RefObject<HTMLVideoElement | null>,
  session: string,
  url: string,
  supported: boolean,
): { current: Loaded | undefined; control: HlsControl } {
  const hlsRef = useRef<Hls | undefined>(undefined);
  const [loaded, setLoaded] = useState<Loaded>();
  useEffect(() => {
    const el = video.current;
    if (!session || !el || !supported) return;
    const update = (patch: Partial<Loaded>): void =>
      setLoaded((prev) => ({
        ...(prev?.session === session ? prev : { session, levels: [], audio: [], subtitles: [] }),
        ...patch,
      }));
    const hls = new Hls({ enableWorker: false, capLevelToPlayerSize: false, startLevel: -1 });
    hlsRef.current = hls;
    hls.on(Hls.Events.MANIFEST_PARSED, (_e, data) => {
      update({ levels: data.levels, audio: hls.audioTracks, subtitles: hls.subtitleTracks });
      void el.play().catch(() => undefined);
    });
    hls.on(Hls.Events.FRAG_CHANGED, (_e, data) => update({ playing: data.frag.level }));
    // Tracks arrive after the manifest is parsed (hls.js lists them once it has grouped them).
    hls.on(Hls.Events.AUDIO_TRACKS_UPDATED, (_e, data) => update({ audio: data.audioTracks }));
    hls.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, (_e, data) => update({ subtitles: data.subtitleTracks }));
    hls.on(Hls.Events.AUDIO_TRACK_SWITCHED, (_e, data) => update({ audioTrack: hls.audioTracks[data.id]?.name }));
    hls.on(Hls.Events.SUBTITLE_TRACK_SWITCH, (_e, data) =>
      update({ subtitleTrack: data.id >= 0 ? hls.subtitleTracks[data.id]?.name : '' }),
    );
    hls.on(Hls.Events.ERROR, (_e, data) => {
      if (data.fatal)
        update({ error: `${data.type}: ${data.details}${data.response ? ` (HTTP ${data.response.code})` : ''}` });
    });
    hls.loadSource(url);
    hls.attachMedia(el);
    return () => {
      hls.destroy();
      hlsRef.current = undefined;
    };
  }, [session, url, supported, video]);
  const control: HlsControl = {
    // currentLevel switches now (flushing the buffer) so QC sees the chosen rung at once.
    level: (i) => void (hlsRef.current && (hlsRef.current.currentLevel = i)),
    audio: (id) => void (hlsRef.current && (hlsRef.current.audioTrack = id)),
    subtitles: (id) => void (hlsRef.current && (hlsRef.current.subtitleTrack = id)),
  };
  return { current: loaded?.session === session ? loaded : undefined, control };
}

function statusText(o: {
  supported: boolean;
  open: boolean;
  current: Loaded | undefined;
  source: QcSource;
  time: number;
}): string {
  const { current } = o;
  const level = current?.playing !== undefined ? current.levels[current.playing] : undefined;
  if (!o.supported) return 'This display cannot play HLS through MediaSource.';
  if (current?.error) return `Cannot play: ${current.error}`;
  if (!level) return o.open ? 'Loading…' : '';
  return (
    `Playing ${levelName(level)} (${level.width}×${level.height}) from the ${o.source === 'local' ? 'local package' : 'origin'} · ${o.time.toFixed(1)} s` +
    (current?.audioTrack ? ` · audio ${current.audioTrack}` : '') +
    (current?.subtitleTrack ? ` · captions ${current.subtitleTrack}` : '')
  );
}

export function QcPlayer({
  job,
  station,
  seek,
}: {
  job: JobSnapshot;
  station: StationApi;
  /** Play from this moment (a QC mark on the Master tab was clicked). */
  seek?: { t: number };
}): React.JSX.Element {
  const videoRef = useRef<HTMLVideoElement>(null);
  const [source, setSource] = useState<QcSource>('local');
  const [open, setOpen] = useState(false);
  const [chosen, setChosen] = useState({ session: '', level: -1 });
  const [time, setTime] = useState(0);
  const onOrigin = job.stages.uploadOrigin.state === 'done';
  const supported = useMemo(() => Hls.isSupported(), []);
  // Each open of the player and each copy is a session: what an earlier one reported does not count.
  const session = open ? `${job.id}:${source}` : '';
  const url = station.mediaUrl(job.id, source, 'master.m3u8');
  const { current, control } = useHlsSession(videoRef, session, url, supported);
  useSeek(videoRef, seek, setOpen);

  const pickLevel = (i: number): void => {
    setChosen({ session, level: i });
    control.level(i);
  };

  const levels = current?.levels ?? [];
  return (
    <details
      className="qc detail__block"
      data-testid="qc-player"
      onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}
    >
      <summary>QC player</summary>
      <div className="qc__controls">
        <CopySelect source={source} onOrigin={onOrigin} onPick={setSource} />
        <label>
          Rung{' '}
          <select
            value={chosen.session === session ? chosen.level : -1}
            onChange={(e) => pickLevel(Number(e.target.value))}
            data-testid="qc-rung"
          >
            <option value={-1}>Auto</option>
            {levels.map((l, i) => (
              <option key={i} value={i}>
                {levelName(l)} · {Math.round(l.bitrate / 1000)} kb/s
              </option>
            ))}
          </select>
        </label>
        <TrackSelect label="Audio" testId="qc-audio" tracks={current?.audio ?? []} onPick={control.audio} />
        <TrackSelect
          label="Subtitles"
          testId="qc-subtitles"
          tracks={current?.subtitles ?? []}
          off
          onPick={control.subtitles}
        />
      </div>
      <QcVideo ref={videoRef} onTime={setTime} />
      <p
        className="qc__status"
        data-testid="qc-status"
        data-level={current?.playing ?? ''}
        data-time={time.toFixed(2)}
        data-audio={current?.audioTrack ?? ''}
        data-subtitles={current?.subtitleTrack ?? ''}
      >
        {statusText({ supported, open, current, source, time })}
      </p>
    </details>
  );
}

/** Open the player and go to `seek` once the picture is there. */
function useSeek(
  videoRef: React.RefObject<HTMLVideoElement | null>,
  seek: { t: number } | undefined,
  setOpen: (open: boolean) => void,
): void {
  useEffect(() => {
    const video = videoRef.current;
    if (!seek || !video) return;
    setOpen(true);
    const go = (): void => {
      video.currentTime = seek.t;
    };
    if (video.readyState >= 1) return go();
    video.addEventListener('loadedmetadata', go, { once: true });
    return () => video.removeEventListener('loadedmetadata', go);
  }, [videoRef, seek, setOpen]);
}
