/**
 * What the package offers a viewer besides the picture: each audio rendition (language, its own
 * name, codec and channels, default, audio description) and each caption rendition (SDH, forced),
 * and — for an encrypted title — where its keys were exported for the key server.
 */
import type { JobSnapshot } from '../../electron/common/jobs';
import type { ManifestRendition } from '../../electron/common/manifest';

function flags(r: ManifestRendition): string[] {
  return [
    r.default ? 'default' : '',
    r.describesVideo ? 'audio description' : '',
    r.sdh ? 'SDH' : '',
    r.forced ? 'forced' : '',
  ].filter(Boolean);
}

function Row({ r }: { r: ManifestRendition }): React.JSX.Element {
  const what =
    r.type === 'audio'
      ? [r.codec ?? r.group, r.channels ? `${r.channels} ch` : '', r.kbps ? `${r.kbps} kb/s` : '']
      : ['WebVTT'];
  return (
    <li data-rendition={r.name}>
      <strong>{r.label ?? r.name}</strong> <code>{r.language ?? 'und'}</code> · {what.filter(Boolean).join(' · ')}
      {flags(r).map((f) => (
        <span key={f} className="badge badge--flag">
          {f}
        </span>
      ))}
    </li>
  );
}

export function Renditions({ job }: { job: JobSnapshot }): React.JSX.Element | null {
  const audio = (job.renditions ?? []).filter((r) => r.type === 'audio');
  const subs = (job.renditions ?? []).filter((r) => r.type === 'subtitles');
  if (audio.length === 0 && subs.length === 0 && !job.keyExport) return null;
  return (
    <div className="detail__block" data-testid="renditions">
      <h3>Audio and captions</h3>
      {audio.length > 0 && (
        <ul aria-label="Audio renditions">
          {audio.map((r) => (
            <Row key={r.name} r={r} />
          ))}
        </ul>
      )}
      {subs.length > 0 ? (
        <ul aria-label="Caption renditions">
          {subs.map((r) => (
            <Row key={r.name} r={r} />
          ))}
        </ul>
      ) : (
        <p>No captions: none beside the master and no text subtitles in it.</p>
      )}
      {job.keyExport && (
        <p data-testid="key-export">
          AES-128 encrypted · keys exported for the key server to <code>{job.keyExport}</code> (kept on this station,
          never uploaded)
        </p>
      )}
    </div>
  );
}
