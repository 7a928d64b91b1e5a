// The admin console's build: a static single-page app under /admin/ (the API serves dist/ there). In development Vite
// serves it and hands the API's paths to the API (MFA_API_URL, default http://localhost:3000), so the session cookie
// stays same-origin.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const api = process.env.MFA_API_URL ?? "http://localhost:3000";

export default defineConfig({
  base: "/admin/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
  server: { proxy: { "/v1": api, "/console": api } },
});
