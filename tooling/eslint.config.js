// Shared lint rules for every workspace package (flat config). Packages re-export this file.
// Type-aware: each file is linted with the types of its package's tsconfig (projectService), which the exhaustiveness
// rule needs: a `switch` over a union (a factor type, for one) must handle every member or say `default`.
import tseslint from "typescript-eslint";

export default tseslint.config({ ignores: ["**/dist/**", "**/node_modules/**", "**/*.js", "**/*.mjs"] }, ...tseslint.configs.recommended, {
  languageOptions: { parserOptions: { projectService: true } },
  rules: {
    "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    "@typescript-eslint/consistent-type-imports": "error",
    "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: false }],
    "no-console": "error",
  },
});
