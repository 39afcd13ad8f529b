/**
 * Text that is safe to print on an operator's terminal: file names come from suppliers, and a name
 * holding ESC sequences, carriage returns or bidirectional overrides could rewrite what the
 * terminal shows (a fake "done" line, a hidden extension). Such characters are shown as visible
 * \u escapes instead; line breaks and tabs of the output itself are kept. Inside JSON strings the
 * escape is JSON's own, so `--json` output still parses to the same names.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One line of a name: printable, and its own line breaks shown as escapes too. */
export function printableName(name: string): string {
  return printable(name).replace(/\n/g, '\\u000a');
}
