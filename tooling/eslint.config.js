// Shared lint rules for every workspace package (flat config). Packages re-export this file.
// Type-aware: each file is linted with the types of its package's tsconfig (projectService), which the exhaustiveness
// rule needs: a `switch` over a union (a factor type, an error code) must name every member; a `default` does not
// stand in for one, so a new member is a lint error until each switch places it.
import tseslint from "typescript-eslint";

/** Every factor type's name, built or planned (SPEC §3). */
const FACTOR_TYPE_NAMES = ["totp", "hotp", "backup_code", "email", "sms", "webauthn", "push"];

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "**/*.js", "**/*.mjs"] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: false }],
      "no-console": "error",
    },
  },
  {
    // A factor type is dispatched through the kind registries (docs/factor-kinds.md), never compared: outside the
    // kinds/ folders, a factor type's name may not be an operand of ===/!== or a switch case. The OTP adapter
    // (packages/totp) is exempt: its "totp"/"hotp" are the otpauth URI's types, not factor kinds.
    ignores: ["**/kinds/**", "packages/totp/**", "**/packages/totp/**"],
    rules: {
      "no-restricted-syntax": [
        "error",
        ...["BinaryExpression[operator=/^[!=]==?$/] > Literal", "SwitchCase > Literal.test"].map((node) => ({
          selector: `${node}[value=/^(${FACTOR_TYPE_NAMES.join("|")})$/]`,
          message: "Dispatch on a factor type through its kind module (a kinds/ registry), not a comparison: docs/factor-kinds.md.",
        })),
      ],
    },
  },
);
