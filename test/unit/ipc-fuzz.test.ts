/**
 * Every IPC handler under malformed arguments (fast-check): wrong types and arities, huge strings,
 * prototype-pollution keys, paths with NUL, "..", UNC and relative forms. Each call is either
 * refused before the engine is reached ("Invalid arguments for <op>") or reaches it with arguments
 * that pass the operation's schema; main never throws synchronously and nothing is polluted.
 */
import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { INVOKE_CHANNELS, type InvokeOp } from '../../electron/common/api';
import { invokeArgSchemas } from '../../electron/common/schemas';
import type { Handlers } from '../../electron/engine/api-handlers';
import { registerIpc } from '../../electron/main/ipc';

const APP_URL = 'app://station/index.html';
type Handler = (event: unknown, ...args: unknown[]) => Promise<unknown>;

function setup(): { registered: Map<string, Handler>; handlers: Handlers } {
  const registered = new Map<string, Handler>();
  const handlers = Object.fromEntries(
    Object.keys(INVOKE_CHANNELS).map((op) => [op, vi.fn(async () => undefined)]),
  ) as unknown as Handlers;
  registerIpc({ handle: (ch: string, fn: Handler) => void registered.set(ch, fn) } as never, handlers, APP_URL);
  return { registered, handlers };
}

const nastyPath = fc.constantFrom(
  '/a/b\0.mov',
  '../../etc/passwd',
  'film.mov',
  '\\\\attacker\\share\\film.mov',
  '//attacker/share/film.mov',
  '\\\\?\\C:\\film.mov',
  `/${'x'.repeat(5000)}`,
  '',
  'C:film.mov',
  '/ok/../../../etc/shadow\0',
);
const polluted = fc.constantFrom(
  JSON.parse('{"__proto__": {"polluted": true}}') as unknown,
  JSON.parse('{"constructor": {"prototype": {"polluted": true}}}') as unknown,
  JSON.parse('{"config": {"__proto__": {"polluted": true}}, "credentials": {}}') as unknown,
  JSON.parse('{"repair": true, "deep": false, "__proto__": {"polluted": true}}') as unknown,
  JSON.parse('{"titleId": "tt1", "__proto__": {"replace": true}}') as unknown,
);
const huge = fc.constantFrom('x'.repeat(1_000_000), 'j'.repeat(65), '\u0000'.repeat(100));
const value = fc.oneof(
  fc.anything(),
  nastyPath,
  polluted,
  huge,
  fc.array(nastyPath, { maxLength: 3 }),
  fc.constant(undefined),
);
const args = fc.array(value, { maxLength: 4 });

describe('IPC handlers under malformed arguments', () => {
  it.each(Object.keys(INVOKE_CHANNELS) as InvokeOp[])('%s: refused or schema-valid, never a crash', async (op) => {
    const { registered, handlers } = setup();
    const handler = registered.get(INVOKE_CHANNELS[op])!;
    const fromApp = { senderFrame: { url: APP_URL, parent: null } };
    await fc.assert(
      fc.asyncProperty(args, async (raw) => {
        vi.mocked(handlers[op]).mockClear();
        let outcome: unknown;
        try {
          outcome = handler(fromApp, ...raw);
        } catch (err) {
          throw new Error(`${op} threw synchronously: ${(err as Error).message}`);
        }
        const result = await (outcome as Promise<unknown>).then(
          () => 'called',
          (err: Error) => err.message,
        );
        if (result === 'called') {
          const [passed] = vi.mocked(handlers[op]).mock.calls;
          expect(invokeArgSchemas[op].safeParse(passed).success).toBe(true);
        } else {
          expect(result).toMatch(new RegExp(`^Invalid arguments for ${op}`));
          expect(handlers[op]).not.toHaveBeenCalled();
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 150, seed: 20261201 },
    );
  });
});
