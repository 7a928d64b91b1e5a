// zod with the OpenAPI extension (`.openapi(…)`) applied once: every schema module imports `z` from here, so the
// extension is in place before any of them is evaluated.
import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";

extendZodWithOpenApi(z);

export { z };
