// aCredential(): a user's enrolled factor, active by default and provisioned to match `token_1` of aPolicy().
import { paramsOf, type Credential, type CredentialStatus, type Instant, type CredentialParams, type PolicyFactor } from "../index.js";
import { TEST_EPOCH } from "./time.js";

export class CredentialBuilder {
  private value: Credential = {
    id: "cred-1",
    tenantId: "tenant-1",
    userId: "user-1",
    factorId: "token_1",
    label: "Token 1",
    status: "active",
    params: { type: "totp", algorithm: "SHA1", digits: 6, period: 30 },
    createdAt: TEST_EPOCH,
    confirmedAt: TEST_EPOCH,
    revokedAt: null,
  };

  private set(patch: Partial<Credential>): this {
    this.value = { ...this.value, ...patch };
    return this;
  }

  /** Slot, label and OTP parameters taken from a policy factor. */
  forFactor(factor: PolicyFactor): this {
    return this.set({ factorId: factor.id, label: factor.label, params: paramsOf(factor) });
  }

  withId(id: string): this {
    return this.set({ id });
  }

  forUser(userId: string): this {
    return this.set({ userId });
  }

  forTenant(tenantId: string): this {
    return this.set({ tenantId });
  }

  withFactorId(factorId: string): this {
    return this.set({ factorId });
  }

  withLabel(label: string): this {
    return this.set({ label });
  }

  withParams(params: CredentialParams): this {
    return this.set({ params });
  }

  createdAt(at: Instant): this {
    return this.set({ createdAt: at, confirmedAt: this.value.status === "pending" ? null : at });
  }

  withStatus(status: CredentialStatus): this {
    return status === "pending" ? this.pending() : status === "revoked" ? this.revoked() : this.active();
  }

  /** Enrolled but not yet confirmed. */
  pending(): this {
    return this.set({ status: "pending", confirmedAt: null, revokedAt: null });
  }

  active(confirmedAt: Instant = this.value.createdAt): this {
    return this.set({ status: "active", confirmedAt, revokedAt: null });
  }

  revoked(revokedAt: Instant = this.value.createdAt): this {
    return this.set({ status: "revoked", revokedAt });
  }

  build(): Credential {
    return { ...this.value };
  }
}

export const aCredential = (): CredentialBuilder => new CredentialBuilder();
