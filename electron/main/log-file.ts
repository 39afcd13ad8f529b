/**
 * The desktop app's log: what main and the engine write to the console also goes to
 * <logs>/main.log (Electron's logs folder: ~/Library/Logs/Ingest Station, %APPDATA%\Ingest Station\logs,
 * ~/.config/Ingest Station/logs), one line per message with its time and level, rolled to main.1.log
 * at 5 MB. The engine logs messages only, never error objects or credentials (see the secrets test).
 */
import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';

const ROLL_BYTES = 5 * 1024 * 1024;
type Level = 'log' | 'info' | 'warn' | 'error';

export function teeConsoleToFile(dir: string, target: Pick<Console, Level> = console): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'main.log');
  const write = (level: Level, args: unknown[]): void => {
    try {
      if ((statSync(path, { throwIfNoEntry: false })?.size ?? 0) > ROLL_BYTES)
        renameSync(path, join(dir, 'main.1.log'));
      appendFileSync(
        path,
        `${new Date().toISOString()} ${level.toUpperCase()} ${format(...args).replace(/\n/g, '\n    ')}\n`,
      );
    } catch {
      // A full or read-only disk must not take the app down with it.
    }
  };
  for (const level of ['log', 'info', 'warn', 'error'] as const) {
    const original = target[level].bind(target);
    target[level] = (...args: unknown[]) => {
      original(...args);
      write(level, args);
    };
  }
  return path;
}
