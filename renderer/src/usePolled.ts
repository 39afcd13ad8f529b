/** What the engine answers to `load`, asked at once and then every `everyMs` while the component is shown. */
import { useEffect, useState } from 'react';

export function usePolled<T>(load: () => Promise<T>, everyMs: number): T | undefined {
  const [value, setValue] = useState<T>();
  useEffect(() => {
    let live = true;
    const ask = (): void =>
      void load().then(
        (v) => live && setValue(v),
        () => undefined, // the engine restarting: the next poll asks again
      );
    ask();
    const timer = setInterval(ask, everyMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [load, everyMs]);
  return value;
}
