/**
 * Config objects the operator writes by hand (station.json, settings.json, profiles, the delivery
 * spec) accept only the keys the station knows: a misspelt key (`secretAccesKey`) used to be
 * dropped without a word — and the setting it meant silently not applied. `strictObject` is zod's
 * strict object whose unknown-key error names the key and, when one is close, the key it meant.
 */
import { z } from 'zod';

/** Edit distance (insertions, deletions, substitutions, swaps of neighbours), case-insensitive. */
function distance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => [i, ...Array<number>(t.length).fill(0)]);
  for (let j = 1; j <= t.length; j++) d[0]![j] = j;
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[s.length]![t.length]!;
}

/** The known word closest to `word`, when it is close enough to be what was meant. */
export function didYouMean(word: string, known: readonly string[]): string | undefined {
  let best: { word: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(word, k);
    if (!best || d < best.d) best = { word: k, d };
  }
  return best && best.d <= Math.max(1, Math.floor(Math.max(word.length, best.word.length) / 4)) ? best.word : undefined;
}

/** "unknown key "secretAccesKey" (did you mean "secretAccessKey"?)". */
export function unknownKeysMessage(keys: readonly string[], known: readonly string[]): string {
  return keys
    .map((k) => {
      const meant = didYouMean(k, known);
      return `unknown key "${k}"${meant ? ` (did you mean "${meant}"?)` : ` (known keys: ${known.join(', ')})`}`;
    })
    .join('; ');
}

/** z.strictObject whose unknown-key error says which key, and which known key was probably meant. */
export function strictObject<S extends z.core.$ZodLooseShape>(shape: S) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? unknownKeysMessage(issue.keys, known) : undefined),
  });
}
