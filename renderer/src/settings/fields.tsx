/** The settings screen's form fields and what every section receives: the draft and a patch setter. */
import type { StationConfig } from '../../../electron/common/config';

/** What each settings section edits: the whole draft, changed by patches (Save sends the draft as one). */
export interface SectionProps {
  draft: StationConfig;
  set(patch: Partial<StationConfig>): void;
}

export function NumberField({
  label,
  value,
  onChange,
  min,
  step,
  optional,
  error,
}: {
  label: string;
  value: number | undefined;
  onChange(v: number | undefined): void;
  min?: number;
  step?: number;
  optional?: boolean;
  error?: FieldErrorProps;
}): React.JSX.Element {
  return (
    <>
      <label className="field">
        <span>{label}</span>
        <input
          type="number"
          value={value ?? ''}
          min={min}
          step={step ?? 1}
          placeholder={optional ? 'unlimited' : undefined}
          onChange={(e) => onChange(e.target.value === '' ? (optional ? undefined : 0) : Number(e.target.value))}
          {...describedBy(error)}
        />
      </label>
      {error && <FieldError {...error} />}
    </>
  );
}

export function TextField({
  label,
  value,
  onChange,
  placeholder,
  type,
  wide,
  error,
}: {
  label: string;
  value: string | undefined;
  onChange(v: string | undefined): void;
  placeholder?: string;
  type?: string;
  /** A path or URL: room to read it whole. */
  wide?: boolean;
  error?: FieldErrorProps;
}): React.JSX.Element {
  return (
    <>
      <label className={wide ? 'field field--wide' : 'field'}>
        <span>{label}</span>
        <input
          type={type ?? 'text'}
          value={value ?? ''}
          placeholder={placeholder}
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
          {...describedBy(error)}
        />
      </label>
      {error && <FieldError {...error} />}
    </>
  );
}

/** An error of Save that belongs to one field: its id (for the page and tests) and the sentence, if any. */
export interface FieldErrorProps {
  id: string;
  text: string | undefined;
}

/** The field's input marked invalid and pointed at its sentence while there is one. */
function describedBy(error: FieldErrorProps | undefined): { 'aria-invalid'?: true; 'aria-describedby'?: string } {
  return error?.text ? { 'aria-invalid': true, 'aria-describedby': `field-error-${error.id}` } : {};
}

/** An error of Save that belongs to one field, as a sentence beside it (role=alert so it is read out). */
export function FieldError({ id, text }: FieldErrorProps): React.JSX.Element | null {
  if (!text) return null;
  return (
    <p className="field__error" role="alert" id={`field-error-${id}`} data-testid={`field-error-${id}`}>
      {text}
    </p>
  );
}
