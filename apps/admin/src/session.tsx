// Who is signed in: GET /console/session, kept by TanStack Query. The CSRF token it carries goes on every request.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { api, ProblemError, setCsrfToken, setTenant, unwrap, type Schemas } from "./api/client";

export type ConsoleSession = Schemas["ConsoleSession"];

export const SESSION_KEY = ["console-session"] as const;

export function useSession() {
  return useQuery({
    queryKey: SESSION_KEY,
    queryFn: async (): Promise<ConsoleSession | null> => {
      const result = await api.GET("/console/session");
      if (result.response.status === 401) return null;
      return unwrap(result);
    },
    staleTime: 60_000,
    retry: false,
  });
}

/** Records a session got from signing in (no second round trip). */
export function useSetSession() {
  const client = useQueryClient();
  return (session: ConsoleSession | null) => {
    setCsrfToken(session?.csrfToken ?? null);
    client.setQueryData(SESSION_KEY, session);
    if (!session) client.removeQueries({ predicate: (q) => q.queryKey[0] !== SESSION_KEY[0] });
  };
}

interface TenantState {
  readonly tenant: string | null;
  readonly setTenant: (tenant: string | null) => void;
}

const TenantContext = createContext<TenantState>({ tenant: null, setTenant: () => {} });

/** The tenant being worked on: the operator's own, or (an operator of every tenant) the one they chose. */
export function TenantProvider({ session, children }: { session: ConsoleSession; children: ReactNode }) {
  const client = useQueryClient();
  const scope = session.operator.scope;
  const [chosen, choose] = useState<string | null>(() => scope ?? sessionStorage.getItem("mfa-console-tenant"));
  const tenant = scope ?? chosen;
  setTenant(scope === null ? tenant : null);
  setCsrfToken(session.csrfToken);
  useEffect(() => {
    if (scope === null && chosen) sessionStorage.setItem("mfa-console-tenant", chosen);
  }, [scope, chosen]);
  const value: TenantState = {
    tenant,
    setTenant: (next) => {
      choose(next);
      setTenant(next);
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== SESSION_KEY[0] });
    },
  };
  return <TenantContext.Provider value={value}>{children}</TenantContext.Provider>;
}

export const useTenant = () => useContext(TenantContext);

export const isAdmin = (session: ConsoleSession) => session.operator.role === "admin";

export const messageOf = (error: unknown): string =>
  error instanceof ProblemError
    ? `${error.message} (${error.problem.code ?? error.status})`
    : error instanceof Error
      ? error.message
      : String(error);
