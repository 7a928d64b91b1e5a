// Signing in: the operator's password, then their own chain's next factor through the API: a code of the
// authenticator app, or (an operator who registered one) the passkey.
import { useMutation } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import { signWithPasskey } from "../passkey";
import { messageOf, useSetSession } from "../session";

export function SignIn() {
  const setSession = useSetSession();
  const [stage, setStage] = useState<"password" | "code" | "passkey">("password");
  const [notice, setNotice] = useState<string | null>(null);
  const ids = { user: useId(), password: useId(), code: useId() };

  const password = useMutation({
    mutationFn: async (body: { username: string; password: string }) => unwrap(await api.POST("/console/session", { body })),
    onSuccess: (step) => {
      setNotice(null);
      setStage(step.stage);
    },
  });
  const onOutcome = (outcome: Schemas["ConsoleSignInCodeOutcome"], refused: string) => {
    if (outcome.signedIn && outcome.session) return setSession(outcome.session);
    setNotice(
      outcome.lockedUntil
        ? `Too many failures: locked until ${new Date(outcome.lockedUntil).toLocaleString()}.`
        : `${refused} ${outcome.failuresRemaining} tries left.`,
    );
  };
  const code = useMutation({
    mutationFn: async (body: { code: string }) => unwrap(await api.POST("/console/session/code", { body })),
    onSuccess: (outcome) => onOutcome(outcome, "That code was not accepted."),
  });
  // The passkey step: the challenge's request options to the browser, and its assertion back.
  const passkey = useMutation({
    mutationFn: async () => {
      const challenge = unwrap(await api.POST("/console/session/challenge"));
      const response = (await signWithPasskey(challenge.publicKey)) as Schemas["WebAuthnResponse"];
      return unwrap(await api.POST("/console/session/code", { body: { response } }));
    },
    onSuccess: (outcome) => onOutcome(outcome, "The passkey was not accepted."),
  });

  const submitPassword = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    password.mutate({ username: String(data.get("username") ?? ""), password: String(data.get("password") ?? "") });
  };
  const submitCode = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    code.mutate({ code: String(data.get("code") ?? "").replace(/\s/g, "") });
    event.currentTarget.reset();
  };
  const failure = stage === "password" ? password.error : stage === "code" ? code.error : passkey.error;

  return (
    <main id="main" className="sign-in">
      <h1>mfa-chain admin console</h1>
      {stage === "password" ? (
        <form onSubmit={submitPassword} aria-labelledby="sign-in-title" className="card">
          <h2 id="sign-in-title">Sign in</h2>
          <label htmlFor={ids.user}>Operator name</label>
          <input id={ids.user} name="username" autoComplete="username" required autoFocus />
          <label htmlFor={ids.password}>Password</label>
          <input id={ids.password} name="password" type="password" autoComplete="current-password" required />
          <button type="submit" disabled={password.isPending}>
            {password.isPending ? "Checking…" : "Continue"}
          </button>
        </form>
      ) : stage === "passkey" ? (
        <div aria-labelledby="passkey-title" className="card" role="group">
          <h2 id="passkey-title">Your passkey</h2>
          <p>Confirm it is you with the passkey you registered for the console.</p>
          <button type="button" onClick={() => passkey.mutate()} disabled={passkey.isPending} autoFocus>
            {passkey.isPending ? "Waiting for the passkey…" : "Use your passkey"}
          </button>
          <button type="button" className="link" onClick={() => setStage("password")}>
            Start again
          </button>
        </div>
      ) : (
        <form onSubmit={submitCode} aria-labelledby="code-title" className="card">
          <h2 id="code-title">Your authenticator app</h2>
          <p>Enter the current code from the authenticator app you set up for the console.</p>
          <label htmlFor={ids.code}>Code</label>
          <input id={ids.code} name="code" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9 ]{6,10}" required autoFocus />
          <button type="submit" disabled={code.isPending}>
            {code.isPending ? "Checking…" : "Sign in"}
          </button>
          <button type="button" className="link" onClick={() => setStage("password")}>
            Start again
          </button>
        </form>
      )}
      {notice ? (
        <p role="alert" className="state error">
          {notice}
        </p>
      ) : null}
      {failure ? (
        <p role="alert" className="state error">
          {messageOf(failure)}
        </p>
      ) : null}
    </main>
  );
}
