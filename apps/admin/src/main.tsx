// The admin console: a single-page app under /admin/, signed in through mfa-chain itself, calling the API's /v1 routes
// with its session (cookie + CSRF header), typed by the API's OpenAPI document.
import { QueryClient, QueryClientProvider, useMutation } from "@tanstack/react-query";
import { createRootRoute, createRoute, createRouter, Link, Outlet, RouterProvider, useRouterState } from "@tanstack/react-router";
import { createContext, StrictMode, useContext } from "react";
import { createRoot } from "react-dom/client";
import { api, ProblemError, unwrap } from "./api/client";
import document from "./api/openapi.json";
import { Account } from "./pages/account";
import { ApiKeys } from "./pages/api-keys";
import { Audit, type AuditSearch, type AuditType } from "./pages/audit";
import { Dashboard } from "./pages/dashboard";
import { PolicyEditor, PolicyList } from "./pages/policies";
import { Settings } from "./pages/settings";
import { SignIn } from "./pages/sign-in";
import { Tenants } from "./pages/tenants";
import { Users } from "./pages/users";
import { Vault } from "./pages/vault";
import { TenantProvider, useSession, useSetSession, useTenant, type ConsoleSession } from "./session";
import { Failure, Loading } from "./ui/states";
import "./styles.css";

// The enumerations the forms offer, read from the same document the types come from.
const schemas = (document as { components: { schemas: Record<string, { properties?: Record<string, { enum?: string[] }> }> } }).components
  .schemas;
const AUDIT_TYPES = schemas.AuditEvent?.properties?.type?.enum ?? [];
const FACTOR_TYPES = (schemas.PolicyFactor?.properties?.type?.enum ?? ["totp"]) as never[];

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (count, error) => !(error instanceof ProblemError && error.status < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});

/** The signed-in session, for the screens under the layout (which renders only when there is one). */
const SignedIn = createContext<ConsoleSession | null>(null);
function useSignedIn(): ConsoleSession {
  const session = useContext(SignedIn);
  if (!session) throw new Error("the console's screens render only when signed in");
  return session;
}

function Shell() {
  const session = useSession();
  if (session.isPending) return <Loading what="the console" />;
  if (session.isError) return <Failure error={session.error} retry={() => void session.refetch()} />;
  if (!session.data) return <SignIn />;
  return (
    <SignedIn.Provider value={session.data}>
      <TenantProvider session={session.data}>
        <Layout session={session.data} />
      </TenantProvider>
    </SignedIn.Provider>
  );
}

function Layout({ session }: { session: ConsoleSession }) {
  const setSession = useSetSession();
  const { tenant } = useTenant();
  // From the matched routes, not the location: the location changes first, and the old screen must not render without a tenant.
  // Your account (the operator's own passkeys) needs no tenant either.
  const onTenants = useRouterState({ select: (state) => state.matches.some((m) => m.routeId === "/tenants" || m.routeId === "/account") });
  const signOut = useMutation({
    mutationFn: async () => {
      const result = await api.DELETE("/console/session", { params: { header: { "x-csrf-token": session.csrfToken } } });
      if (!result.response.ok) unwrap(result);
    },
    onSuccess: () => setSession(null),
  });
  return (
    <>
      <a href="#main" className="skip">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">mfa-chain console</span>
        <nav aria-label="Main">
          <ul>
            <li>
              <Link to="/" activeOptions={{ exact: true }}>
                Dashboard
              </Link>
            </li>
            <li>
              <Link to="/users">Users</Link>
            </li>
            <li>
              <Link to="/policies">Policies</Link>
            </li>
            <li>
              <Link to="/audit">Audit</Link>
            </li>
            <li>
              <Link to="/api-keys">API keys</Link>
            </li>
            <li>
              <Link to="/settings">Settings</Link>
            </li>
            <li>
              <Link to="/vault">Vault</Link>
            </li>
            <li>
              <Link to="/tenants">Tenants</Link>
            </li>
          </ul>
        </nav>
        <div className="who">
          <Link to="/account" aria-label={`Your account: ${session.operator.username} (${session.operator.role})`}>
            {session.operator.username} ({session.operator.role})
          </Link>
          <button type="button" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <TenantBar session={session} />
        {tenant || onTenants ? (
          <Outlet />
        ) : (
          <p className="state">
            Choose a tenant to work on on the <Link to="/tenants">tenants screen</Link>.
          </p>
        )}
      </main>
    </>
  );
}

function TenantBar({ session }: { session: ConsoleSession }) {
  const { tenant } = useTenant();
  if (session.operator.scope !== null) return <p className="tenant">Tenant: {session.operator.scope}</p>;
  return (
    <p className="tenant">
      Tenant: {tenant ? <strong>{tenant}</strong> : "none chosen"} ·{" "}
      <Link to="/tenants">{tenant ? "Change tenant" : "Choose a tenant"}</Link>
    </p>
  );
}

// Routes: code-based, under /admin/.
const rootRoute = createRootRoute({ component: Shell });
const UsersPage = () => <Users session={useSignedIn()} />;
const PoliciesPage = () => <PolicyList session={useSignedIn()} />;
const ApiKeysPage = () => <ApiKeys session={useSignedIn()} />;
const TenantsPage = () => <Tenants session={useSignedIn()} />;
const SettingsPage = () => <Settings session={useSignedIn()} />;
const PolicyPage = () => <PolicyEditor session={useSignedIn()} factorTypes={FACTOR_TYPES} />;
const dashboardRoute = createRoute({ getParentRoute: () => rootRoute, path: "/", component: Dashboard });
const usersRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/users",
  validateSearch: (search: Record<string, unknown>): { q?: string; userId?: string } => ({
    ...(typeof search.q === "string" && search.q ? { q: search.q } : {}),
    ...(typeof search.userId === "string" && search.userId ? { userId: search.userId } : {}),
  }),
  component: UsersPage,
});
const auditRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/audit",
  validateSearch: (search: Record<string, unknown>): AuditSearch => {
    const text = (k: string) => (typeof search[k] === "string" && search[k] ? (search[k] as string) : undefined);
    const before = Number(search.before);
    return {
      ...(text("userId") ? { userId: text("userId") } : {}),
      ...(text("type") && AUDIT_TYPES.includes(text("type") as string) ? { type: text("type") as AuditType } : {}),
      ...(text("from") ? { from: text("from") } : {}),
      ...(text("to") ? { to: text("to") } : {}),
      ...(Number.isSafeInteger(before) && before > 0 ? { before } : {}),
    };
  },
  component: () => <Audit types={AUDIT_TYPES} />,
});
const policiesRoute = createRoute({ getParentRoute: () => rootRoute, path: "/policies", component: PoliciesPage });
const policyRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/policies/$policyId",
  component: PolicyPage,
});

const apiKeysRoute = createRoute({ getParentRoute: () => rootRoute, path: "/api-keys", component: ApiKeysPage });
const tenantsRoute = createRoute({ getParentRoute: () => rootRoute, path: "/tenants", component: TenantsPage });
const settingsRoute = createRoute({ getParentRoute: () => rootRoute, path: "/settings", component: SettingsPage });
const VaultPage = () => <Vault session={useSignedIn()} />;
const vaultRoute = createRoute({ getParentRoute: () => rootRoute, path: "/vault", component: VaultPage });
const AccountPage = () => <Account session={useSignedIn()} />;
const accountRoute = createRoute({ getParentRoute: () => rootRoute, path: "/account", component: AccountPage });

const router = createRouter({
  routeTree: rootRoute.addChildren([
    dashboardRoute,
    usersRoute,
    auditRoute,
    policiesRoute,
    policyRoute,
    apiKeysRoute,
    tenantsRoute,
    settingsRoute,
    vaultRoute,
    accountRoute,
  ]),
  basepath: "/admin",
  defaultNotFoundComponent: () => <p className="state">No such page.</p>,
});

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router;
  }
}

createRoot(window.document.getElementById("root") as HTMLElement).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);
