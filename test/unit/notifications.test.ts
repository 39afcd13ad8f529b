import { describe, expect, it, vi } from 'vitest';
import { emptyStages, type JobSnapshot } from '../../electron/common/jobs';
import { createAlertNotifier, createFinishNotifier } from '../../electron/main/notifications';

const job = (over: Partial<JobSnapshot>): JobSnapshot => ({
  id: 'j1',
  title: 'Film',
  sourcePath: '/m/film.mov',
  state: 'running',
  stage: 'transcode',
  stages: emptyStages(),
  createdAt: '',
  updatedAt: '',
  ...over,
});

describe('OS notifications', () => {
  it('once when a title is delivered and once when one fails, with the reason', () => {
    const show = vi.fn();
    const notify = createFinishNotifier({ isSupported: () => true, show });
    notify(job({}));
    notify(job({ state: 'done', stage: 'report' }));
    notify(job({ state: 'done', stage: 'report' }));
    notify(
      job({
        id: 'j2',
        title: 'Other',
        state: 'failed',
        stage: 'probe',
        error: { stage: 'probe', message: 'The file is empty (0 bytes).' },
      }),
    );
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

  it('a library audit alert: what is wrong or what was repaired, in words', () => {
    const show = vi.fn();
    const alert = createAlertNotifier({ isSupported: () => true, show });
    alert({
      titleId: '東京物語',
      repair: 'not-repaired',
      problems: [{}, {}],
      detail: '東京物語: 2 problem(s) at origin (first: …)',
    });
    alert({
      titleId: 'master',
      repair: 'repaired',
      problems: [],
      detail: 'master: problems found and repaired; proven whole again',
    });
    alert({ titleId: 'kino', repair: 'waiting-for-restore', problems: [{}], detail: 'kino: waits' });
    expect(show.mock.calls.map((c) => c[0])).toEqual([
      '東京物語 has 2 problems at the origin',
      'master was repaired at the origin',
      'kino: repair waits for the archive',
    ]);
  });
});
