// The committed contract as a JSON Schema 2020-12 validator (Ajv's 2020 build, with the
// formats of ajv-formats): validates the contract's own examples and every response the
// typed client receives, and checks that every header the service sent is declared.

import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

// ajv-formats is CommonJS: its default export is the module object.
const addFormats = addFormatsModule.default;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Node = { [key: string]: Json };

const SPEC_ID = "openapi.json";

export class Contract {
  readonly spec: Node;
  private readonly ajv: Ajv2020;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(path: string) {
    this.spec = JSON.parse(readFileSync(path, "utf8")) as Node;
    // OpenAPI keywords (`example`, `discriminator`, `components`, …) are annotations here.
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    const int = (bits: number) => ({
      type: "number" as const,
      validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** (bits - 1) + 1,
    });
    this.ajv.addFormat("int32", int(32));
    this.ajv.addFormat("int64", int(64));
    this.ajv.addFormat("password", true);
    this.ajv.addFormat("binary", true);
    this.ajv.addSchema({ ...this.spec, $id: SPEC_ID });
  }

  /** The schema at a JSON pointer of the spec. */
  at(pointer: string): Json | undefined {
    let node: Json | undefined = this.spec;
    for (const raw of pointer.split("/").slice(1)) {
      const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
      if (node === null || typeof node !== "object") return undefined;
      node = Array.isArray(node) ? node[Number(key)] : node[key];
    }
    return node;
  }

  /** Errors of `value` against the schema at `pointer` (empty: valid). */
  validate(pointer: string, value: unknown): string[] {
    let check = this.cache.get(pointer);
    if (!check) {
      check = this.ajv.compile({ $ref: `${SPEC_ID}#${pointer}` });
      this.cache.set(pointer, check);
    }
    if (check(value)) return [];
    return (check.errors ?? []).map(
      (e) => `${e.instancePath || "(root)"} ${e.message ?? ""} ${JSON.stringify(e.params)}`,
    );
  }

  /** The response object of an operation for a status, as a pointer, if declared. */
  responsePointer(template: string, method: string, status: number): string | undefined {
    const escaped = template.replaceAll("~", "~0").replaceAll("/", "~1");
    const pointer = `/paths/${escaped}/${method.toLowerCase()}/responses/${status}`;
    return this.at(pointer) === undefined ? undefined : pointer;
  }
}

/** Headers a client reads: each one the service sends must be declared on the response. */
const WATCHED_HEADERS = [
  "etag",
  "location",
  "retry-after",
  "idempotent-replayed",
  "x-request-id",
  "content-language",
  "www-authenticate",
  "cache-control",
  "content-disposition",
  "allow",
];

/**
 * Checks one response against the contract: its status is declared for the operation, its
 * body validates against the declared schema of its content type, and every watched header
 * it carries is declared. Returns the problems found (empty: conforming).
 */
export function checkResponse(
  contract: Contract,
  template: string,
  method: string,
  status: number,
  headers: Headers,
  body: unknown,
): string[] {
  const where = `${method.toUpperCase()} ${template} → ${status}`;
  const pointer = contract.responsePointer(template, method, status);
  if (!pointer) return [`${where}: status not declared`];
  const problems: string[] = [];
  const declared = contract.at(`${pointer}/headers`);
  const declaredNames = new Set(
    declared && typeof declared === "object" && !Array.isArray(declared)
      ? Object.keys(declared).map((h) => h.toLowerCase())
      : [],
  );
  for (const name of WATCHED_HEADERS) {
    if (headers.has(name) && !declaredNames.has(name)) {
      problems.push(`${where}: header ${name} sent but not declared`);
    }
  }
  const contentType = (headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
  const content = contract.at(`${pointer}/content`);
  if (content && typeof content === "object" && !Array.isArray(content)) {
    if (!(contentType in content)) {
      problems.push(`${where}: content type ${contentType} not declared`);
    } else if (contentType.endsWith("json")) {
      const escapedType = contentType.replaceAll("~", "~0").replaceAll("/", "~1");
      for (const error of contract.validate(`${pointer}/content/${escapedType}/schema`, body)) {
        problems.push(`${where}: body ${error}`);
      }
    }
  }
  return problems;
}
