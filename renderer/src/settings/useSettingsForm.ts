/**
 * The settings screen's state: the saved view, the draft being edited, typed credentials (sent once,
 * on Save or a connection test, then forgotten), connection tests, and Save itself.
 */
import { useEffect, useState } from 'react';
import type { StationApi } from '../../../electron/common/api';
import type { StationConfig } from '../../../electron/common/config';
import type { ConnectionTest, Credentials, SettingsView } from '../../../electron/common/settings';
import { errorText } from '../errors';
import type { CredEdit } from './DestinationEditor';
import { applyHeadersEdit, NO_HEADERS_EDIT, type HeadersEdit } from './drm-form';

export interface SettingsStatus {
  ok: boolean;
  text: string;
}

export interface SettingsForm {
  view: SettingsView | undefined;
  draft: StationConfig | undefined;
  set(patch: Partial<StationConfig>): void;
  creds: Record<string, CredEdit>;
  setCred(name: string, c: CredEdit): void;
  tests: Record<string, ConnectionTest | 'running'>;
  test(name: string): void;
  farmPassword: string | undefined;
  setFarmPassword(v: string | undefined): void;
  /** The SPEKE headers typed (write-only values) or to be removed; sent once, on Save. */
  spekeHeaders: HeadersEdit;
  setSpekeHeaders(h: HeadersEdit): void;
  status: SettingsStatus | undefined;
  saving: boolean;
  /** Resolves true once saved (the engine restarted with them), false when refused (status says why). */
  save(): Promise<boolean>;
}

function typedCredentials(c: CredEdit | undefined): Credentials | null {
  return c && c.accessKeyId && c.secretAccessKey
    ? { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey }
    : null;
}

/** What Save sends for each destination's credentials: null forgets, a pair replaces, absent keeps; a half-typed pair is refused. */
function credentialsToSave(
  names: string[],
  creds: Record<string, CredEdit>,
): { credentials: Record<string, Credentials | null> } | { error: string } {
  const credentials: Record<string, Credentials | null> = {};
  for (const name of names) {
    const c = creds[name];
    const typed = typedCredentials(c);
    if (c?.forget) credentials[name] = null;
    else if (typed) credentials[name] = typed;
    else if (c && (c.accessKeyId || c.secretAccessKey))
      return { error: `${name}: enter both the access key ID and the secret, or neither.` };
  }
  return { credentials };
}

export function useSettingsForm(station: StationApi): SettingsForm {
  const [view, setView] = useState<SettingsView>();
  const [draft, setDraft] = useState<StationConfig>();
  const [creds, setCreds] = useState<Record<string, CredEdit>>({});
  const [tests, setTests] = useState<Record<string, ConnectionTest | 'running'>>({});
  const [status, setStatus] = useState<SettingsStatus>();
  const [saving, setSaving] = useState(false);
  // Typed, never shown again once saved (sealed like destination credentials).
  const [farmPassword, setFarmPassword] = useState<string>();
  const [spekeHeaders, setSpekeHeaders] = useState<HeadersEdit>(NO_HEADERS_EDIT);

  const load = (v: SettingsView): void => {
    setView(v);
    setDraft(structuredClone(v.config));
  };
  useEffect(() => {
    void station.getSettings().then(load, (err: unknown) => setStatus({ ok: false, text: errorText(err) }));
  }, [station]);

  const save = async (): Promise<boolean> => {
    if (!draft) return false;
    setStatus(undefined);
    const checked = credentialsToSave(Object.keys(draft.destinations), creds);
    const headers = applyHeadersEdit(draft.drm, spekeHeaders);
    if ('error' in checked || 'error' in headers) {
      setStatus({ ok: false, text: 'error' in checked ? checked.error : 'error' in headers ? headers.error : '' });
      return false;
    }
    const { drm, ...sealed } = headers;
    setSaving(true);
    try {
      load(
        await station.saveSettings({
          config: { ...draft, drm },
          ...checked,
          ...sealed,
          ...(farmPassword ? { farmPassword } : {}),
        }),
      );
      setCreds({});
      setFarmPassword(undefined);
      setSpekeHeaders(NO_HEADERS_EDIT);
      setStatus({
        ok: true,
        text: 'Saved. The engine restarted with the new settings; running titles continue where they were.',
      });
      return true;
    } catch (err) {
      setStatus({ ok: false, text: errorText(err) });
      return false;
    } finally {
      setSaving(false);
    }
  };

  const test = async (name: string): Promise<void> => {
    if (!draft) return;
    setTests((t) => ({ ...t, [name]: 'running' }));
    try {
      const r = await station.testDestination(name, draft.destinations[name]!, typedCredentials(creds[name]));
      setTests((t) => ({ ...t, [name]: r }));
    } catch (err) {
      const failed: ConnectionTest = { ok: false, steps: [{ step: 'Test', ok: false, ms: 0, detail: errorText(err) }] };
      setTests((t) => ({ ...t, [name]: failed }));
    }
  };

  return {
    view,
    draft,
    set: (patch) => setDraft((d) => (d ? { ...d, ...patch } : d)),
    creds,
    setCred: (name, c) => setCreds((all) => ({ ...all, [name]: c })),
    tests,
    test: (name) => void test(name),
    farmPassword,
    setFarmPassword,
    spekeHeaders,
    setSpekeHeaders,
    status,
    saving,
    save,
  };
}
