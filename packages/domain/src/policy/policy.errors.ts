// A policy problem says where (a path like `factors[1].id`) and what a person can do about it.
export interface PolicyIssue {
  readonly path: string;
  readonly message: string;
}

export interface InvalidPolicyError {
  readonly code: "invalid_policy";
  readonly issues: readonly PolicyIssue[];
}
