// The application's AuditChainVerifier over the sealed chain in PostgreSQL (verifyAuditChain, tested with the chain).
import type { AuditChainVerifier } from "@mfa-chain/application";
import type { Db } from "../database/schema.js";
import { verifyAuditChain } from "./audit-chain.js";

export const postgresAuditChainVerifier = (db: Db): AuditChainVerifier => ({ verify: (tenantId) => verifyAuditChain(db, tenantId) });
