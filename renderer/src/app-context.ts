/**
 * What any part of the window may ask of the app shell: open Settings, open a title's Overview with
 * its title ID field focused, or say something to the operator (a result, a refusal) in the status
 * line. Given by App; a component deep in a table row needs no chain of props for it.
 */
import { createContext, useContext } from 'react';

export interface AppShell {
  openSettings(): void;
  editTitleId(jobId: string): void;
  notice(text: string, level?: 'ok' | 'error'): void;
  /** The title whose ID field was last asked for (a new object each time, so asking twice focuses it twice). */
  titleIdFor?: { jobId: string };
}

export const AppShellContext = createContext<AppShell>({
  openSettings: () => undefined,
  editTitleId: () => undefined,
  notice: () => undefined,
});

export const useAppShell = (): AppShell => useContext(AppShellContext);
