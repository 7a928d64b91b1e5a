// The console tenant's WebAuthn relying party (issue 15: operators' passkeys), from the configuration: the console's
// origin and its host as the RP id. The origin is MFA_CONSOLE_ORIGIN; else the origin of MFA_PUBLIC_URL when a
// browser takes it for passkeys (a host name, https or localhost); else localhost on the port listened on (a browser
// takes no IP address as an RP id). Set at every start by ensureConsole.
import type { WebAuthnRelyingParty } from "@mfa-chain/application";
import { readRelyingParty } from "@mfa-chain/domain";

/** The relying party of a console served at `origin`, or null when a browser would not use passkeys there. */
export function relyingPartyAt(origin: string, issuer: string): WebAuthnRelyingParty | null {
  const read = readRelyingParty({ id: new URL(origin).hostname, name: `${issuer} admin console`, origins: [origin] });
  return read.ok ? read.value : null;
}

export function consoleRelyingParty(
  config: { readonly MFA_CONSOLE_ORIGIN?: string | undefined; readonly MFA_PUBLIC_URL?: string | undefined; readonly MFA_ISSUER: string },
  listeningUrl: string | undefined,
): WebAuthnRelyingParty {
  const configured = config.MFA_CONSOLE_ORIGIN ?? (config.MFA_PUBLIC_URL === undefined ? undefined : new URL(config.MFA_PUBLIC_URL).origin);
  const rp = configured === undefined ? null : relyingPartyAt(configured, config.MFA_ISSUER);
  if (rp) return rp;
  if (config.MFA_CONSOLE_ORIGIN !== undefined) throw new Error(`MFA_CONSOLE_ORIGIN: not an origin a browser uses passkeys at`);
  if (listeningUrl === undefined) throw new Error("the console's origin is derived from the address listened on, not known yet");
  return relyingPartyAt(`http://localhost:${new URL(listeningUrl).port}`, config.MFA_ISSUER) as WebAuthnRelyingParty;
}
