// The browser's side of an operator's passkey: the API's options (their standard JSON form) to
// navigator.credentials.create / get, and the credential back as JSON (PublicKeyCredential's JSON helpers, in every
// current browser: Chrome 129+, Firefox 119+, Safari 18+).

const unsupported = () =>
  new Error("this browser cannot use passkeys here: it lacks PublicKeyCredential's JSON helpers (Chrome 129+, Firefox 119+, Safari 18+)");

function helpers(): typeof PublicKeyCredential {
  if (typeof PublicKeyCredential === "undefined" || typeof PublicKeyCredential.parseCreationOptionsFromJSON !== "function")
    throw unsupported();
  return PublicKeyCredential;
}

async function json(credential: Credential | null): Promise<unknown> {
  if (!(credential instanceof PublicKeyCredential)) throw new Error("no passkey was given (the browser's dialog was closed)");
  return credential.toJSON();
}

/**
 * Refuses, before the browser is asked (and before anything is sent to the API, where a refused passkey counts
 * towards the lockout), a console opened at a host its passkeys do not belong to: the browser would refuse them.
 */
function checkHost(rpId: string | undefined): void {
  const host = location.hostname;
  if (rpId === undefined || host === rpId || host.endsWith(`.${rpId}`)) return;
  throw new Error(
    `Passkeys cannot be used here: this console is open at ${host}, but its passkeys belong to ${rpId}. ` +
      `Open the console at ${rpId} (the address the API's MFA_CONSOLE_ORIGIN names) to use them.`,
  );
}

/** Registers a passkey with the creation options the API gave; answers the browser's registration as JSON. */
export async function registerPasskey(options: unknown): Promise<unknown> {
  const given = options as PublicKeyCredentialCreationOptionsJSON;
  checkHost(given.rp?.id);
  const publicKey = helpers().parseCreationOptionsFromJSON(given);
  return json(await navigator.credentials.create({ publicKey }));
}

/** Signs the request options' challenge with the passkey; answers the browser's assertion as JSON. */
export async function signWithPasskey(options: unknown): Promise<unknown> {
  const given = options as PublicKeyCredentialRequestOptionsJSON;
  checkHost(given.rpId);
  const publicKey = helpers().parseRequestOptionsFromJSON(given);
  return json(await navigator.credentials.get({ publicKey }));
}
