// Loading, empty and error states, said the same way on every screen (and announced to screen readers).
import type { ReactNode } from "react";
import { messageOf } from "../session";

export const Loading = ({ what }: { what: string }) => (
  <p className="state" role="status" aria-live="polite">
    Loading {what}…
  </p>
);

export const Empty = ({ children }: { children: ReactNode }) => <p className="state empty">{children}</p>;

export const Failure = ({ error, retry }: { error: unknown; retry?: () => void }) => (
  <div className="state error" role="alert">
    <p>{messageOf(error)}</p>
    {retry ? (
      <button type="button" onClick={retry}>
        Try again
      </button>
    ) : null}
  </div>
);

export const when = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : "—");
