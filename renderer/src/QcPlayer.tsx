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

const levelName = (l: Level): string => `${l.height}p`;

export function QcPlayer({ job, station }: { job: JobSnapshot; station: StationApi }): React.JSX.Element {
  const videoRef = useRef<HTMLVideoElement>(null);
  const hlsRef = useRef<Hls | undefined>(undefined);
  const [source, setSource] = useState<QcSource>('local');
  const [open, setOpen] = useState(false);
  const [levels, setLevels] = useState<Level[]>([]);
  const [audio, setAudio] = useState<MediaPlaylist[]>([]);
  const [subtitles, setSubtitles] = useState<MediaPlaylist[]>([]);
  const [chosen, setChosen] = useState(-1);
  const [playing, setPlaying] = useState<number>();
  const [time, setTime] = useState(0);
  const [error, setError] = useState<string>();
  const onOrigin = job.stages.uploadOrigin.state === 'done';

  const supported = useMemo(() => Hls.isSupported(), []);

  /** A new copy (or reopening) starts from scratch: no levels until its master playlist is parsed. */
  const reset = (): void => {
    setError(undefined);
    setLevels([]);
    setPlaying(undefined);
    setChosen(-1);
  };

  useEffect(() => {
    const video = videoRef.current;
    if (!open || !video || !supported) return;
    const hls = new Hls({ enableWorker: false, capLevelToPlayerSize: false, startLevel: -1 });
    hlsRef.current = hls;
    hls.on(Hls.Events.MANIFEST_PARSED, (_e, data) => {
      setLevels(data.levels);
      setAudio(hls.audioTracks);
      setSubtitles(hls.subtitleTracks);
      void video.play().catch(() => undefined);
    });
    hls.on(Hls.Events.FRAG_CHANGED, (_e, data) => setPlaying(data.frag.level));
    hls.on(Hls.Events.ERROR, (_e, data) => {
      if (data.fatal) setError(`${data.type}: ${data.details}${data.response ? ` (HTTP ${data.response.code})` : ''}`);
    });
    hls.loadSource(station.mediaUrl(job.id, source, 'master.m3u8'));
    hls.attachMedia(video);
    return () => {
      hls.destroy();
      hlsRef.current = undefined;
    };
  }, [open, source, job.id, station, supported]);

  const pickLevel = (i: number): void => {
    setChosen(i);
    // currentLevel switches now (flushing the buffer) so QC sees the chosen rung at once.
    if (hlsRef.current) hlsRef.current.currentLevel = i;
  };

  const current = playing !== undefined ? levels[playing] : undefined;
  return (
    <details className="qc detail__block" data-testid="qc-player" onToggle={(e) => {
        reset();
        setOpen((e.target as HTMLDetailsElement).open);
      }}>
      <summary>QC player</summary>
      <div className="qc__controls">
        <label>
          Copy{' '}
          <select value={source} onChange={(e) => {
              reset();
              setSource(e.target.value as QcSource);
            }} data-testid="qc-source">
            <option value="local">Local package</option>
            <option value="origin" disabled={!onOrigin}>
              Origin{onOrigin ? '' : ' (not uploaded yet)'}
            </option>
          </select>
        </label>
        <label>
          Rung{' '}
          <select value={chosen} onChange={(e) => pickLevel(Number(e.target.value))} data-testid="qc-rung">
            <option value={-1}>Auto</option>
            {levels.map((l, i) => (
              <option key={i} value={i}>
                {levelName(l)} · {Math.round(l.bitrate / 1000)} kb/s
              </option>
            ))}
          </select>
        </label>
        {audio.length > 0 && (
          <label>
            Audio{' '}
            <select onChange={(e) => hlsRef.current && (hlsRef.current.audioTrack = Number(e.target.value))} data-testid="qc-audio">
              {audio.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name || a.lang || `track ${a.id + 1}`}
                </option>
              ))}
            </select>
          </label>
        )}
        {subtitles.length > 0 && (
          <label>
            Subtitles{' '}
            <select onChange={(e) => hlsRef.current && (hlsRef.current.subtitleTrack = Number(e.target.value))} data-testid="qc-subtitles">
              <option value={-1}>Off</option>
              {subtitles.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name || s.lang || `track ${s.id + 1}`}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <video ref={videoRef} className="qc__video" controls muted playsInline onTimeUpdate={(e) => setTime((e.target as HTMLVideoElement).currentTime)} data-testid="qc-video" />
      <p className="qc__status" data-testid="qc-status" data-level={playing ?? ''} data-time={time.toFixed(2)}>
        {!supported ? 'This display cannot play HLS through MediaSource.' : error ? `Cannot play: ${error}` : current ? `Playing ${levelName(current)} (${current.width}×${current.height}) from the ${source === 'local' ? 'local package' : 'origin'} · ${time.toFixed(1)} s` : open ? 'Loading…' : ''}
      </p>
    </details>
  );
}
