// Enrolls an authenticator for one policy slot: a fresh secret, sealed at rest, shown once; pending until confirmed.
import { err, findFactor, ok, paramsOf, PENDING_ENROLLMENT_TTL_SECONDS, type Result } from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { IdGenerator } from "../ports/id-generator.port.js";
import type { OtpProvisioner, QrImages } from "../ports/otp.port.js";
import type { UnitOfWork } from "../ports/repositories.port.js";
import type { SecretCipher } from "../ports/secret-cipher.port.js";
import { auditActor, type Actor } from "../shared/actor.js";
import type { AppError } from "../shared/application.errors.js";
import { policyNotFound } from "../policies/policy-views.js";
import { authorizeFactorChange } from "./authorize-factor-change.js";
import { viewCredential, type CredentialView } from "./credential-views.js";

export interface EnrollFactorInput {
  readonly actor: Actor;
  readonly userId: string;
  readonly policyId: string;
  readonly factorId: string;
  readonly reauthAttemptId?: string;
}

export interface Enrollment {
  readonly credential: CredentialView;
  /** Base32 secret, for manual entry. Returned this once; never stored in the clear or shown again. */
  readonly secret: string;
  readonly otpauthUri: string;
  readonly qr: QrImages;
  readonly confirmBefore: number;
}

export interface EnrollFactorDeps {
  readonly uow: UnitOfWork;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly cipher: SecretCipher;
  readonly provisioner: OtpProvisioner;
  /** The issuer shown in authenticator apps. */
  readonly issuer: string;
}

export class EnrollFactor {
  constructor(private readonly deps: EnrollFactorDeps) {}

  async execute(input: EnrollFactorInput): Promise<Result<Enrollment, AppError>> {
    const { tenantId } = input.actor;
    const { deps } = this;
    const enrolled = await deps.uow.run(async (repos) => {
      const now = deps.clock.now();
      const policy = await repos.policies.findLatest(tenantId, input.policyId);
      if (!policy) return err(policyNotFound(input.policyId));
      const factor = findFactor(policy, input.factorId);
      if (!factor) {
        return err<AppError>({
          code: "factor_not_in_policy",
          message: `policy "${policy.id}" has no factor "${input.factorId}" (its factors: ${policy.factors.map((f) => f.id).join(", ")})`,
        });
      }
      const allowed = await authorizeFactorChange(repos, input.actor, input.userId, input.reauthAttemptId, now);
      if (!allowed.ok) return allowed;

      await repos.users.lock(tenantId, input.userId, now);
      // Only the newest enrollment of a slot can be confirmed; earlier unconfirmed ones are discarded.
      await repos.credentials.deletePending(tenantId, input.userId, factor.id);
      const secret = deps.provisioner.generateSecret();
      const id = deps.ids.newId();
      const credential = {
        id,
        tenantId,
        userId: input.userId,
        factorId: factor.id,
        label: factor.label,
        status: "pending" as const,
        params: paramsOf(factor),
        lastTimeStep: null,
        counter: 0,
        createdAt: now,
        confirmedAt: null,
        revokedAt: null,
        secret: deps.cipher.seal(secret, { tenantId, userId: input.userId, credentialId: id }),
      };
      await repos.credentials.insert(credential);
      await repos.audit.append({
        tenantId,
        type: "factor.enrolled",
        at: now,
        actor: auditActor(input.actor),
        userId: input.userId,
        attemptId: null,
        factorId: factor.id,
        data: { credentialId: id, policyId: policy.id, authorizedBy: allowed.value.via },
      });
      return ok({ credential, secret });
    });
    if (!enrolled.ok) return enrolled;

    const { credential, secret } = enrolled.value;
    try {
      const p = credential.params;
      const otpauthUri = deps.provisioner.keyUri({
        type: p.type,
        secret,
        issuer: deps.issuer,
        // Distinct per factor, so two authenticator entries of one user can be told apart.
        accountName: `${input.userId} (${credential.label})`,
        algorithm: p.algorithm,
        digits: p.digits,
        ...(p.type === "totp" ? { period: p.period } : { counter: 0 }),
      });
      return ok({
        credential: viewCredential(credential),
        secret: deps.provisioner.encodeSecret(secret),
        otpauthUri,
        qr: await deps.provisioner.qrCode(otpauthUri),
        confirmBefore: credential.createdAt + PENDING_ENROLLMENT_TTL_SECONDS * 1000,
      });
    } finally {
      secret.fill(0);
    }
  }
}
