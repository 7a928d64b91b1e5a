// A tenant's WebAuthn relying party (issue 12): the RP id, its name and the exact origins a browser may report. Set with
// an admin key and checked when written (domain readRelyingParty: http(s) origins whose host is the RP id or a
// subdomain of it; http only on localhost). Challenges carry the relying party they were issued for.
import { err, ok, readRelyingParty, type Result } from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { UnitOfWork } from "../ports/repositories.port.js";
import type { WebAuthnRelyingParty } from "../ports/webauthn.port.js";
import { auditActor, type Actor } from "../shared/actor.js";
import type { AppError } from "../shared/application.errors.js";

export interface RelyingPartyView extends WebAuthnRelyingParty {
  readonly updatedAt: number;
}

const adminOnly: AppError = { code: "forbidden", message: "the WebAuthn relying party is set with an admin key" };
const notConfigured: AppError = {
  code: "relying_party_not_configured",
  message: "this tenant has no WebAuthn relying party yet: an admin sets it with PUT /v1/admin/webauthn",
};

export class SetRelyingParty {
  constructor(private readonly deps: { readonly uow: UnitOfWork; readonly clock: Clock }) {}

  async execute(input: {
    readonly actor: Actor;
    readonly id: string;
    readonly name: string;
    readonly origins: readonly string[];
  }): Promise<Result<RelyingPartyView, AppError>> {
    if (input.actor.role !== "admin") return err(adminOnly);
    const checked = readRelyingParty(input);
    if (!checked.ok) return err<AppError>({ code: "invalid_input", message: checked.problems.join("; ") });
    const { tenantId } = input.actor;
    return this.deps.uow.run(async (repos) => {
      const now = this.deps.clock.now();
      const rp = { tenantId, ...checked.value, updatedAt: now };
      await repos.relyingParties.save(rp);
      await repos.audit.append({
        tenantId,
        type: "webauthn.relying_party_set",
        at: now,
        actor: auditActor(input.actor),
        userId: null,
        attemptId: null,
        factorId: null,
        data: { rpId: rp.id, origins: rp.origins.join(" ") },
      });
      return ok({ id: rp.id, name: rp.name, origins: rp.origins, updatedAt: now });
    });
  }
}

export class GetRelyingParty {
  constructor(private readonly deps: { readonly uow: UnitOfWork }) {}

  async execute(input: { readonly actor: Actor }): Promise<Result<RelyingPartyView, AppError>> {
    const rp = await this.deps.uow.run((repos) => repos.relyingParties.find(input.actor.tenantId));
    return rp ? ok({ id: rp.id, name: rp.name, origins: rp.origins, updatedAt: rp.updatedAt }) : err(notConfigured);
  }
}
