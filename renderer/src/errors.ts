/** An error from the station as a sentence: Electron prefixes "Error invoking remote method …". */
export function errorText(err: unknown): string {
  return err instanceof Error
    ? err.message.replace(/^Error invoking remote method '[^']+': (Error: )?/, '')
    : String(err);
}
