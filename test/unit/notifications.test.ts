import { describe, expect, it, vi } from 'vitest';
import { emptyStages, type JobSnapshot } from '../../electron/common/jobs';
import { createFinishNotifier } from '../../electron/main/notifications';

const job = (over: Partial<JobSnapshot>): JobSnapshot => ({
  id: 'j1', title: 'Film', sourcePath: '/m/film.mov', state: 'running', stage: 'transcode', stages: emptyStages(), createdAt: '', updatedAt: '', ...over,
});

describe('OS notifications', () => {
  it('once when a title is delivered and once when one fails, with the reason', () => {
    const show = vi.fn();
    const notify = createFinishNotifier({ isSupported: () => true, show });
    notify(job({}));
    notify(job({ state: 'done', stage: 'report' }));
    notify(job({ state: 'done', stage: 'report' }));
    notify(job({ id: 'j2', title: 'Other', state: 'failed', stage: 'probe', error: { stage: 'probe', message: 'The file is empty (0 bytes).' } }));
    expect(show.mock.calls).toEqual([
      ['Film is delivered', 'Verified, uploaded and proven whole by the audit.'],
      ['Other failed', 'probe: The file is empty (0 bytes).'],
    ]);
  });

  it('stays quiet where the OS has no notifications', () => {
    const show = vi.fn();
    createFinishNotifier({ isSupported: () => false, show })(job({ state: 'done' }));
    expect(show).not.toHaveBeenCalled();
  });
});
