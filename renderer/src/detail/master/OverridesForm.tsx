/**
 * Master → override the content decisions for this title (the CLI's --no-ivtc, --crop, --loudness):
 * checked by the same parsers the CLI uses, sent to the engine (which validates again), and the
 * title planned again from the stored analysis. Once the encode has begun the engine says why not.
 */
import { useState } from 'react';
import type { StationApi } from '../../../../electron/common/api';
import type { JobSnapshot } from '../../../../electron/common/jobs';
import { parseCropFlag, parseLoudnessFlag, type ContentOverrides } from '../../../../electron/common/analysis';
import { errorText } from '../../errors';

const cropText = (c: ContentOverrides['crop']): string =>
  c === undefined ? 'auto' : typeof c === 'string' ? c : `${c.w}:${c.h}:${c.x}:${c.y}`;

function parse(ivtcOff: boolean, crop: string, loudness: string): ContentOverrides | string {
  const out: ContentOverrides = ivtcOff ? { ivtc: 'off' } : {};
  const c = parseCropFlag(crop);
  if (!c.ok) return c.error.replace(/^--crop/, 'Crop');
  if (c.value !== 'auto') out.crop = c.value;
  if (loudness.trim() && loudness.trim() !== 'auto') {
    const l = parseLoudnessFlag(loudness);
    if (!l.ok) return l.error.replace(/^--loudness/, 'Loudness');
    out.loudness = l.value;
  }
  return out;
}

export function OverridesForm({ job, station }: { job: JobSnapshot; station: StationApi }): React.JSX.Element {
  const o = job.overrides ?? {};
  const [ivtcOff, setIvtcOff] = useState(o.ivtc === 'off');
  const [crop, setCrop] = useState(cropText(o.crop));
  const [loudness, setLoudness] = useState(o.loudness === undefined ? 'auto' : String(o.loudness));
  const [message, setMessage] = useState('');
  const save = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    const parsed = parse(ivtcOff, crop, loudness);
    if (typeof parsed === 'string') return setMessage(parsed);
    try {
      await station.setOverrides(job.id, parsed);
      setMessage('Saved: the title is planned again with these.');
    } catch (err) {
      setMessage(errorText(err));
    }
  };
  return (
    <form className="overrides" onSubmit={(e) => void save(e)} data-testid="overrides">
      <label>
        <input type="checkbox" checked={ivtcOff} onChange={(e) => setIvtcOff(e.target.checked)} /> No inverse telecine
        (deinterlace instead)
      </label>
      <label>
        Crop <input value={crop} onChange={(e) => setCrop(e.target.value)} placeholder="auto, none or W:H:X:Y" />
      </label>
      <label>
        Loudness{' '}
        <input value={loudness} onChange={(e) => setLoudness(e.target.value)} placeholder="auto, off, -24, ebu-r128" />
      </label>
      <button type="submit">Apply overrides</button>
      {message && (
        <p className="overrides__message" role="status" data-testid="overrides-message">
          {message}
        </p>
      )}
    </form>
  );
}
