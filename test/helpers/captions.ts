/** An .srt of `n` cues, a quarter of a second apart (a long, dense caption file for scale tests). */
export function manyCuesSrt(n: number): string {
  const stamp = (t: number): string => {
    const ms = Math.round(t * 1000);
    const p = (v: number, w = 2) => String(v).padStart(w, '0');
    return `${p(Math.floor(ms / 3_600_000))}:${p(Math.floor((ms % 3_600_000) / 60_000))}:${p(Math.floor((ms % 60_000) / 1000))},${p(ms % 1000, 3)}`;
  };
  return Array.from(
    { length: n },
    (_, i) => `${i + 1}\n${stamp(i * 0.25)} --> ${stamp(i * 0.25 + 0.2)}\nLine ${i}\n`,
  ).join('\n');
}
