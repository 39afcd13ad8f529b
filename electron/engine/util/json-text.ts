/**
 * JSON files the operator writes (CLI configs, settings.json) hold secrets. V8's own parse errors
 * quote the text around the mistake — often the secret itself — so a syntax error is reported by
 * position only (line, column and what was expected), located with jsonc-parser (VS Code's).
 */
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { StationError } from './errors.js';

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** JSON.parse, with a StationError ('config-invalid') that names where the text is wrong and nothing of it. */
export function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const errors: ParseError[] = [];
    parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    const where = first ? lineColumn(text, first.offset) : undefined;
    const why = first
      ? `${printParseErrorCode(first.error)} at line ${where!.line}, column ${where!.column}`
      : 'a syntax error';
    throw new StationError(
      `${what} is not valid JSON: ${why} (its text is not shown here because it may hold credentials)`,
      'config-invalid',
    );
  }
}
