/** A labelled select over a fixed set of choices (filters, grouping, sorting): the words shown, the name a reader hears. */
export function Choice<T extends string>({
  label,
  name,
  value,
  options,
  onChange,
}: {
  /** The short word beside it. */
  label: string;
  /** Its accessible name (what it does: "Filter by state"). */
  name: string;
  value: T;
  options: Record<T, string>;
  onChange(v: T): void;
}): React.JSX.Element {
  return (
    <label className="qtools__field">
      <span>{label}</span>
      <select aria-label={name} value={value} onChange={(e) => onChange(e.target.value as T)}>
        {(Object.entries(options) as Array<[T, string]>).map(([k, text]) => (
          <option key={k} value={k}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}
