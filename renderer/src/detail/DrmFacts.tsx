/**
 * A DRM title's facts as the job keeps them: scheme, systems, the provider that answered, the key ID
 * of each track type (and key period) — never a key. The QC tab lists every key period; the Overview
 * shows the first key of each track type and how many periods follow, so a rotated title stays one
 * glance.
 */
import type { JobDrm } from '../../../electron/common/jobs';

type Slot = JobDrm['plan']['slots'][number];

export function DrmFacts({ drm, compact }: { drm: JobDrm; compact?: boolean }): React.JSX.Element {
  const o = drm.plan.options;
  const extras = [
    o.clearLead ? `first ${o.clearLead} segment(s) clear` : '',
    o.rotateEvery ? `new key every ${o.rotateEvery} segments` : '',
  ].filter(Boolean);
  const slots = compact ? firstPerTrackType(drm.plan.slots) : drm.plan.slots.map((slot) => ({ slot, more: 0 }));
  return (
    <dl className="detail__facts" data-testid={compact ? 'drm-facts' : 'drm-summary'}>
      <dt>DRM</dt>
      <dd>
        {o.scheme} · {o.systems.join(', ')} · keys from {drm.provider}
        {extras.map((e) => ` · ${e}`).join('')}
      </dd>
      {slots.map(({ slot: s, more }) => (
        <div key={`${s.kid}-${s.period}`} data-testid="drm-key">
          <dt>{o.trackKeys === 'single' ? 'all tracks' : s.trackType}</dt>
          <dd>
            <code>{s.kid}</code>
            {s.period && !compact ? ` · key period ${s.period}` : ''}
            {more ? ` (+${more} later key period${more > 1 ? 's' : ''})` : ''}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** The first key of each track type, in the plan's order, with how many later periods it has. */
function firstPerTrackType(slots: Slot[]): Array<{ slot: Slot; more: number }> {
  const out = new Map<string, { slot: Slot; more: number }>();
  for (const s of slots) {
    const seen = out.get(s.trackType);
    if (!seen) out.set(s.trackType, { slot: s, more: 0 });
    else if (s.period < seen.slot.period) out.set(s.trackType, { slot: s, more: seen.more + 1 });
    else seen.more++;
  }
  return [...out.values()];
}
