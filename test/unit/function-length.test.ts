/**
 * No function or component over 100 lines in electron/ and renderer/ (issue #24): the real lint
 * configuration catches a planted one in each, and leaves one of 100 lines and the tests alone.
 */
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: ROOT });

/** A function of `lines` lines of code, with a blank line and a comment after each statement (not counted). */
function planted(lines: number): string {
  const body = Array.from({ length: lines - 4 }, (_, i) => `  total += ${i};\n\n  // step ${i}`).join('\n');
  return `export function planted(): number {\n  let total = 0;\n${body}\n  return total;\n}\n`;
}

async function lengthErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(ROOT, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'max-lines-per-function').map((m) => m.message);
}

describe('max-lines-per-function', () => {
  it.each(['electron/engine/planted.ts', 'electron/cli/planted.ts', 'renderer/src/planted.tsx'])(
    'a 101-line function in %s fails lint',
    async (file) => {
      const errors = await lengthErrors(file, planted(101));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/planted.*too many lines \(101\)\. Maximum allowed is 100/);
    },
  );

  it('a 100-line function passes, blank lines and comments not counted', async () => {
    expect(await lengthErrors('electron/engine/planted.ts', planted(100))).toEqual([]);
  });

  it('tests are exempt', async () => {
    expect(await lengthErrors('test/unit/planted.test.ts', planted(150))).toEqual([]);
  });
});
