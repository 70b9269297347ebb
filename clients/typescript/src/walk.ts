// A frontend's walk through the wizard with a strict TypeScript client generated from the
// committed contract (openapi-typescript types, openapi-fetch): both cases to `submitted`,
// plus the errors a form shows. Every response is checked against the contract (declared
// status, content type and headers, body valid JSON Schema 2020-12): any disagreement
// between the service and its contract fails the run.
//
// usage: node dist/walk.js BASE_URL SPEC_PATH CSR_FIXTURES_DIR

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.js";
import { Contract, checkResponse } from "./contract.js";

type Schemas = components["schemas"];
type Order = Schemas["OrderResponse"];
type Patch = Schemas["OrderPatch"];

const [base, specPath, fixtures] = process.argv.slice(2);
if (!base || !specPath || !fixtures) {
  console.error("usage: walk.js BASE_URL SPEC_PATH CSR_FIXTURES_DIR");
  process.exit(2);
}
const csrDir: string = fixtures;
const contract = new Contract(specPath);
const disagreements: string[] = [];
let responses = 0;
let steps = 0;
let failures = 0;

let token: string | undefined;
const middleware: Middleware = {
  onRequest({ request }) {
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
  async onResponse({ request, response, schemaPath }) {
    const text = await response.clone().text();
    let body: unknown = text;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      // not JSON: the content-type check says whether that was declared
    }
    responses += 1;
    disagreements.push(
      ...checkResponse(contract, schemaPath, request.method, response.status, response.headers, body),
    );
    return response;
  },
};
const api = createClient<paths>({ baseUrl: base });
api.use(middleware);

class StepFailure extends Error {}

function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new StepFailure(message);
}

/** The body of a call that must answer `status`. */
function ok<T>(result: { data?: T; error?: unknown; response: Response }, status: number, what: string): T {
  expect(
    result.response.status === status && result.data !== undefined,
    `${what}: expected ${status}, got ${result.response.status} ${JSON.stringify(result.error ?? null)}`,
  );
  return result.data;
}

async function step(name: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
    steps += 1;
    console.log(`ok   ${name}`);
  } catch (e) {
    failures += 1;
    console.log(`FAIL ${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const etag = (r: Response): string => {
  const tag = r.headers.get("etag");
  expect(tag !== null, "no ETag on an order answer");
  return tag;
};

async function signIn(): Promise<void> {
  const r = await api.POST("/auth/token", {
    body: { username: "demo.client", password: "demo-client-password" },
  });
  token = ok(r, 200, "sign-in").access_token;
}

async function catalog(): Promise<Schemas["CatalogResponse"]> {
  return ok(await api.GET("/catalog"), 200, "catalogue");
}

async function newDraft(): Promise<{ order: Order; tag: string }> {
  const r = await api.POST("/orders", { params: { header: { "Idempotency-Key": randomUUID() } } });
  const order = ok(r, 201, "create a draft");
  expect(r.response.headers.get("location") === `/orders/${order.id}`, "Location of the draft");
  expect(order.status === "draft" && !order.ready, "a new draft is not ready");
  return { order, tag: etag(r.response) };
}

async function patch(id: string, tag: string, body: Patch, lang = "fr"): Promise<{ order: Order; tag: string }> {
  const r = await api.PATCH("/orders/{id}", {
    params: { path: { id }, header: { "If-Match": tag, "Accept-Language": lang } },
    body,
  });
  return { order: ok(r, 200, `patch ${Object.keys(body).join(", ")}`), tag: etag(r.response) };
}

async function commander(id: string): Promise<Order> {
  const r = await api.POST("/orders/{id}/commander", {
    params: { path: { id }, header: { "Idempotency-Key": randomUUID() } },
  });
  const order = ok(r, 200, "commander");
  expect(order.status === "submitted", `submitted, not ${order.status}`);
  expect(order.documents.length > 0, "a submitted order lists its justificatifs");
  return order;
}

const otherOrganization: Schemas["HolderOtherOrganization"] = {
  type: "other_organization",
  legal_name: "Mairie de Villeneuve",
  country: "FR",
  city: "Villeneuve-d'Ascq",
  address: "Place Salvador Allende",
  postal_code: "59650",
  registration_number: "732 829 320 00074",
  contact: { name: "Claire Petit", email: "claire.petit@example.fr", phone: "+33 3 20 00 00 00" },
};

async function main(): Promise<void> {
  await step("sign in", signIn);
  let cat: Schemas["CatalogResponse"] | undefined;
  await step("read the catalogue", async () => {
    cat = await catalog();
  });
  if (!cat || !token) throw new StepFailure("cannot go on without the catalogue and a token");
  const authority = cat.authorities.find((a) => a.product_line === "ssl" && !a.wildcard_allowed);
  const rgs = cat.authorities.find((a) => a.product_line === "ssl_rgs");
  const defaultKey = cat.key_types.find((k) => k.default);
  expect(authority !== undefined && rgs !== undefined && defaultKey !== undefined, "catalogue content");
  const terms = cat.terms.version;
  // The wizard's steps and fields come from the catalogue: nothing hard-coded.
  const fqdnStep = cat.wizard.steps.find((s) => s.id === "fqdn");
  expect(fqdnStep?.generation_methods.join() === "generate", "the FQDN step is case 2's");
  expect(
    cat.wizard.steps.every((s) => s.label_fr !== "" && s.label_en !== "" && s.fields.length > 0),
    "labelled steps with their fields",
  );
  const duration = authority.durations[0]?.months ?? 12;

  await step("case 1: paste a CSR, another organization holds the domain, to submitted", async () => {
    let { order, tag } = await newDraft();
    ({ order, tag } = await patch(order.id, tag, {
      authority: authority.id,
      partner: { type: "none" },
      duration_months: duration,
      generation_method: "csr",
    }));
    expect(order.missing.includes("csr") && !order.missing.includes("fqdn"), "case 1 needs a CSR, not an FQDN");
    ({ order, tag } = await patch(order.id, tag, {
      csr_pem: readFileSync(join(csrDir, "multi_san_ok.pem"), "utf8"),
    }));
    const csr = order.csr;
    expect(csr !== null && csr.origin === "pasted", "the order shows the pasted CSR");
    expect(csr.key.algorithm === "rsa" || csr.key.algorithm === "ecdsa", "an accepted key");
    ({ order, tag } = await patch(order.id, tag, {
      holder: otherOrganization,
      payment: { method: authority.payment_methods[0]?.id ?? "bank_transfer" },
      terms: { version: terms },
    }));
    expect(order.ready && order.missing.length === 0, `ready, missing: ${order.missing.join(", ")}`);
    const holder = order.holder;
    expect(holder !== null && holder.type === "other_organization", "the holder is shown back");
    expect(holder.registration_number === "73282932000074", "the normalized SIRET");
    const preview = ok(
      await api.GET("/orders/{id}/documents", { params: { path: { id: order.id } } }),
      200,
      "preview the justificatifs",
    );
    expect(!preview.frozen && preview.waiting_for.length === 0, "the list is known on the draft");
    const submitted = await commander(order.id);
    const summary = (docs: Schemas["DocumentView"][]) =>
      docs.map((d) => [d.code, d.label_fr, d.label_en, d.reason_fr, d.reason_en].join("|")).join("\n");
    expect(
      summary(submitted.documents) === summary(preview.documents),
      "commander freezes the previewed justificatifs",
    );
    expect(submitted.links.formulaire !== undefined, "the PDF link once submitted");
    const read = await api.GET("/orders/{id}", { params: { path: { id: order.id } } });
    expect(ok(read, 200, "read the order").status === "submitted", "read back as submitted");
  });

  await step("case 2: generate the key and CSR, SSL RGS* with a purchase order, to submitted", async () => {
    let { order, tag } = await newDraft();
    ({ order, tag } = await patch(order.id, tag, {
      authority: rgs.id,
      partner: { type: "none" },
      duration_months: rgs.durations[0]?.months ?? 12,
      generation_method: "generate",
      fqdn: "www.certigna.fr",
      additional_domains: ["certigna.fr"],
      holder: {
        type: "self",
        certificate_manager: {
          first_name: "Paul",
          last_name: "Leroy",
          email: "paul.leroy@example.fr",
          phone: "03 20 00 00 01",
        },
      },
    }));
    expect(order.missing.includes("csr") && !order.missing.includes("fqdn"), "case 2 waits for generation");
    const generated = ok(
      await api.POST("/orders/{id}/generate-csr", {
        params: { path: { id: order.id } },
        body: { key_type: defaultKey.id },
      }),
      200,
      "generate-csr",
    );
    // The answer is a discriminated union: `mode` says which fields exist.
    switch (generated.mode) {
      case "generated":
        expect(generated.private_key_pem.includes("PRIVATE KEY"), "the private key, once");
        expect(generated.order.csr?.origin === "generated", "the CSR is on the order");
        order = generated.order;
        break;
      case "openssl":
        throw new StepFailure(`server-side generation is off: ${generated.openssl.command}`);
    }
    const payment = rgs.payment_methods.some((m) => m.id === "purchase_order")
      ? {
          method: "purchase_order" as const,
          purchase_order: {
            purchase_order_number: "BC-2026-0042",
            engagement_number: "EJ-1234567",
            service_code: "SERVICE-INFO",
          },
        }
      : { method: rgs.payment_methods[0]?.id ?? "bank_transfer" };
    const read = await api.GET("/orders/{id}", { params: { path: { id: order.id } } });
    ok(read, 200, "read after generation");
    tag = etag(read.response);
    ({ order, tag } = await patch(order.id, tag, { payment, terms: { version: terms } }));
    expect(order.ready, `ready, missing: ${order.missing.join(", ")}; invalid: ${JSON.stringify(order.invalid)}`);
    await commander(order.id);
  });

  await step("a refused step is a problem naming the field, in English on demand", async () => {
    const { order, tag } = await newDraft();
    const r = await api.PATCH("/orders/{id}", {
      params: { path: { id: order.id }, header: { "If-Match": tag, "Accept-Language": "en" } },
      body: { generation_method: "generate", fqdn: "certigna" },
    });
    expect(r.response.status === 422 && r.error !== undefined, `422, got ${r.response.status}`);
    const problem = r.error;
    expect(problem.code === "validation_failed", `code ${problem.code}`);
    const field = problem.errors?.find((e) => e.pointer === "/fqdn");
    expect(field?.code === "fqdn_incomplete", "fqdn_incomplete on /fqdn");
    expect(r.response.headers.get("content-language") === "en", "Content-Language: en");
    const stale = await api.PATCH("/orders/{id}", {
      params: { path: { id: order.id }, header: { "If-Match": '"999"' } },
      body: { duration_months: 12 },
    });
    expect(stale.response.status === 412, `a stale If-Match is 412, got ${stale.response.status}`);
  });

  await step("list, read, cancel, and the stateless checks", async () => {
    const page = ok(await api.GET("/orders", { params: { query: { limit: 1 } } }), 200, "list");
    expect(page.items.length === 1 && typeof page.next_cursor === "string", "a first page and a cursor");
    const last = ok(
      await api.GET("/orders", { params: { query: { limit: 100, status: "draft" } } }),
      200,
      "last page",
    );
    expect(last.next_cursor === undefined, "no cursor on the last page");
    const { order, tag } = await newDraft();
    const cancelled = await api.DELETE("/orders/{id}", {
      params: { path: { id: order.id }, header: { "If-Match": tag } },
    });
    expect(ok(cancelled, 200, "cancel").status === "cancelled", "cancelled");
    const missing = await api.GET("/orders/{id}", { params: { path: { id: randomUUID() } } });
    expect(missing.response.status === 404 && missing.error?.code === "not_found", "404 not_found");
    const decoded = ok(
      await api.POST("/csr/decode", {
        body: { csr_pem: readFileSync(join(csrDir, "ec_p521_curve.pem"), "utf8") },
      }),
      200,
      "decode a refused CSR",
    );
    expect(!decoded.valid && decoded.issues.some((i) => i.code === "key_curve"), "key_curve");
    const checked = ok(
      await api.POST("/domains/check", {
        body: { names: ["www.certigna.fr", "certigna", "192.0.2.1"], authority: authority.id },
      }),
      200,
      "check names",
    );
    expect(!checked.valid && checked.results.length === 3, "three verdicts");
  });

  if (disagreements.length > 0) {
    failures += 1;
    console.log(`FAIL the service and its contract disagree:\n  ${disagreements.join("\n  ")}`);
  } else {
    steps += 1;
    console.log(`ok   ${responses} responses conform to the contract`);
  }
}

main()
  .catch((e: unknown) => {
    failures += 1;
    console.log(`FAIL ${e instanceof Error ? e.message : String(e)}`);
  })
  .finally(() => {
    console.log(`typed client: ${steps} passed, ${failures} failed`);
    process.exit(failures === 0 ? 0 : 1);
  });
