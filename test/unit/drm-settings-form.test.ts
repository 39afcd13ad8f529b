/**
 * Settings → Studio DRM, the form's pure rules against the engine's own schemas: DRM turned on starts
 * from what the engine would fill in; the cenc scheme leaves FairPlay out (and what the form then
 * sends is accepted); the SPEKE headers Save sends (write-only values sealed, "env:" references in the
 * config, Remove forgets them all, half-typed rows refused); and each validation error the IPC schema
 * really produces lands beside its field as a sentence.
 */
import { describe, expect, it } from 'vitest';
import { drmSchema, stationConfigSchema, type DrmConfig } from '../../electron/common/config';
import { parseInvokeArgs } from '../../electron/common/schemas';
import {
  applyHeadersEdit,
  drmFieldError,
  drmTurnedOn,
  NO_HEADERS_EDIT,
  segmentsAsTime,
  withProviderType,
  withScheme,
  withSystem,
} from '../../renderer/src/settings/drm-form';

const base = stationConfigSchema.parse({ destinations: { o: { type: 'folder', path: '/out' } }, origin: 'o' });
const speke = (extra: Partial<Extract<DrmConfig['keyProvider'], { type: 'speke' }>> = {}): DrmConfig => ({
  ...drmTurnedOn(undefined),
  keyProvider: { type: 'speke', url: 'https://keys.example/speke', ...extra },
});

/** The message the IPC validation throws for this drm section (what the form gets back from Save). */
function saveError(drm: unknown, spekeHeaders?: unknown): string {
  try {
    parseInvokeArgs('saveSettings', [{ config: { ...base, drm }, ...(spekeHeaders ? { spekeHeaders } : {}) }]);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the engine accepted it');
}

describe('Settings → Studio DRM form rules', () => {
  it('turning DRM on starts from the engine defaults and keeps a section that was there', () => {
    expect(drmTurnedOn(undefined)).toEqual(drmSchema.parse({ enabled: true }));
    const off: DrmConfig = { ...speke(), enabled: false, scheme: 'cenc', systems: ['widevine'] };
    expect(drmTurnedOn(off)).toEqual({ ...off, enabled: true });
  });

  it('cenc leaves FairPlay out and refuses it; cbcs does not add it back unasked; the result passes the engine', () => {
    const cenc = withScheme(drmTurnedOn(undefined), 'cenc');
    expect(cenc.systems).toEqual(['widevine', 'playready']);
    expect(withSystem(cenc, 'fairplay', true).systems).toEqual(['widevine', 'playready']);
    expect(drmSchema.safeParse(cenc).success).toBe(true);
    const cbcs = withScheme(cenc, 'cbcs');
    expect(cbcs.systems).toEqual(['widevine', 'playready']);
    expect(withSystem(withSystem(cbcs, 'fairplay', true), 'widevine', false).systems).toEqual([
      'playready',
      'fairplay',
    ]);
    // The engine's strict rule, which the disabled checkbox mirrors.
    expect(drmSchema.safeParse({ ...cenc, systems: ['fairplay'] }).success).toBe(false);
  });

  it('another provider type starts empty; the same type keeps what was typed', () => {
    const s = speke({ caFile: '/ca.pem' });
    expect(withProviderType(s, 'speke')).toBe(s);
    expect(withProviderType(s, 'cpix').keyProvider).toEqual({ type: 'cpix', file: '' });
    expect(withProviderType(s, 'local').keyProvider).toEqual({ type: 'local' });
  });

  it('SPEKE headers: nothing typed keeps them; typed values go sealed, env: references stay in the config', () => {
    expect(applyHeadersEdit(speke(), NO_HEADERS_EDIT)).toEqual({ drm: speke() });
    const typed = applyHeadersEdit(speke({ headers: { old: 'env:OLD' } }), {
      remove: false,
      rows: [
        { name: ' x-api-key ', value: 's3cret' },
        { name: 'x-tenant', value: 'env:TENANT' },
        { name: '', value: '' },
      ],
    });
    expect(typed).toEqual({
      drm: speke({ headers: { 'x-tenant': 'env:TENANT' } }),
      spekeHeaders: { 'x-api-key': 's3cret' },
    });
    // What the form sends is what the engine's schema takes (no secret in the config).
    if ('error' in typed) throw new Error(typed.error);
    expect(() =>
      parseInvokeArgs('saveSettings', [{ config: { ...base, drm: typed.drm }, spekeHeaders: typed.spekeHeaders }]),
    ).not.toThrow();
    // Only env: references typed: the sealed set is forgotten (the rows replace the whole set).
    expect(applyHeadersEdit(speke(), { remove: false, rows: [{ name: 'a', value: 'env:A' }] })).toMatchObject({
      spekeHeaders: null,
    });
  });

  it('SPEKE headers: Remove forgets sealed and env: ones; half-typed or doubled rows are refused with a sentence', () => {
    expect(applyHeadersEdit(speke({ headers: { a: 'env:A' } }), { remove: true, rows: [] })).toEqual({
      drm: speke(),
      spekeHeaders: null,
    });
    expect(applyHeadersEdit(speke(), { remove: false, rows: [{ name: 'x-api-key', value: '' }] })).toEqual({
      error: 'The SPEKE header "x-api-key" has no value: type its value or clear the row.',
    });
    expect(applyHeadersEdit(speke(), { remove: false, rows: [{ name: '', value: 'v' }] })).toEqual({
      error: 'A SPEKE header has a value but no name: type its name or clear the row.',
    });
    expect(
      applyHeadersEdit(speke(), {
        remove: false,
        rows: [
          { name: 'X-Key', value: '1' },
          { name: 'x-key', value: '2' },
        ],
      }),
    ).toEqual({ error: 'The SPEKE header "x-key" is typed twice: keep one.' });
    // Rows typed for SPEKE and the provider switched away: not sent (the engine would refuse them).
    const local = withProviderType(speke(), 'local');
    expect(applyHeadersEdit(local, { remove: false, rows: [{ name: 'a', value: 'b' }] })).toEqual({ drm: local });
  });

  it("the engine's validation errors land beside their field as sentences", () => {
    expect(drmFieldError(saveError(speke({ url: 'http://keys.example/speke' })))).toEqual({
      field: 'url',
      text: 'Plain http is allowed only to this machine (127.0.0.1, localhost); use https://keys.example.',
    });
    expect(drmFieldError(saveError(speke({ caFile: 'ca.pem' })))).toMatchObject({
      field: 'caFile',
      text: expect.stringMatching(/^Ca\.pem is not an absolute path\.$/),
    });
    expect(drmFieldError(saveError({ ...drmTurnedOn(undefined), systems: [] }))).toEqual({
      field: 'systems',
      text: 'Choose at least one DRM system: Widevine, PlayReady or FairPlay.',
    });
    expect(drmFieldError(saveError({ ...drmTurnedOn(undefined), scheme: 'cenc' }))?.field).toBe('systems');
    expect(drmFieldError(saveError({ ...drmTurnedOn(undefined), clearLead: -1 }))?.field).toBe('clearLead');
    expect(drmFieldError(saveError({ ...drmTurnedOn(undefined), rotateEvery: 1.5 }))?.field).toBe('rotateEvery');
    expect(drmFieldError(saveError(speke({ headers: { 'x-api-key': 'plain' } })))?.field).toBe('headers');
    expect(drmFieldError(saveError(speke(), { 'bad name': 'v' }))).toEqual({
      field: 'headers',
      text: 'The header name "bad name" is refused: use letters, digits and "-" (up to 64).',
    });
    expect(
      drmFieldError('SPEKE headers were given but the DRM key provider is not SPEKE: set drm.keyProvider first'),
    ).toMatchObject({ field: 'headers' });
    // Not the DRM section's: stays in the save bar only.
    expect(drmFieldError('Invalid arguments for saveSettings at argument 0.config.activeJobs: too small')).toBe(
      undefined,
    );
    expect(drmFieldError(undefined)).toBe(undefined);
  });

  it('segment counts are said as time at the configured segment length', () => {
    expect(segmentsAsTime(3, 6)).toBe('≈ 18 s at 6 s segments');
    expect(segmentsAsTime(0, 6)).toBe('');
  });
});
