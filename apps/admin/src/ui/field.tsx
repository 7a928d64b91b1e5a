// A labelled text input with its problem+json field error: aria-invalid and aria-describedby point at the error.
import type { InputHTMLAttributes } from "react";

export function TextField({
  id,
  label,
  error,
  ...input
}: { id: string; label: string; error: string | undefined } & Omit<InputHTMLAttributes<HTMLInputElement>, "id">) {
  const errorId = `${id}-error`;
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input id={id} {...input} aria-invalid={error ? true : undefined} aria-describedby={error ? errorId : undefined} />
      {error ? (
        <span id={errorId} className="field-error">
          {error}
        </span>
      ) : null}
    </>
  );
}
