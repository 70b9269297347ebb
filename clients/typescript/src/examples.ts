// Every example of the committed contract validates against its schema (JSON Schema
// 2020-12): `example` and `examples` of schemas (at any depth), parameters, headers and
// media types. Every component schema compiles. Prints each failing example and a closing
// "N passed, N failed" line; exits non-zero on any failure.

import { Contract, type Json } from "./contract.js";

const contract = new Contract(process.argv[2] ?? "../../openapi/openapi.json");
let passed = 0;
let failed = 0;

function check(schemaPointer: string, value: Json | undefined, where: string): void {
  const errors = contract.validate(schemaPointer, value ?? null);
  if (errors.length === 0) {
    passed += 1;
  } else {
    failed += 1;
    console.log(`FAIL ${where}: ${errors.join("; ")}`);
  }
}

const escape = (key: string) => key.replaceAll("~", "~0").replaceAll("/", "~1");
const isObject = (v: Json | undefined): v is { [key: string]: Json } =>
  v !== null && typeof v === "object" && !Array.isArray(v);

const SUBSCHEMA = ["items", "additionalProperties", "not", "if", "then", "else", "contains",
  "propertyNames", "unevaluatedProperties", "unevaluatedItems"];
const SUBSCHEMA_LISTS = ["oneOf", "anyOf", "allOf", "prefixItems"];
const SUBSCHEMA_MAPS = ["properties", "patternProperties", "$defs", "dependentSchemas"];

function walkSchema(node: Json | undefined, pointer: string): void {
  if (!isObject(node)) return;
  if ("example" in node) check(pointer, node.example, `${pointer}/example`);
  if (Array.isArray(node.examples)) {
    node.examples.forEach((e, i) => check(pointer, e, `${pointer}/examples/${i}`));
  }
  for (const key of SUBSCHEMA) walkSchema(node[key], `${pointer}/${key}`);
  for (const key of SUBSCHEMA_LISTS) {
    const list = node[key];
    if (Array.isArray(list)) list.forEach((s, i) => walkSchema(s, `${pointer}/${key}/${i}`));
  }
  for (const key of SUBSCHEMA_MAPS) {
    const map = node[key];
    if (isObject(map)) {
      for (const [name, s] of Object.entries(map)) walkSchema(s, `${pointer}/${key}/${escape(name)}`);
    }
  }
}

/** The rest of the document: parameters, headers and media types carry a `schema`. */
function walkDocument(node: Json | undefined, pointer: string): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => walkDocument(item, `${pointer}/${i}`));
    return;
  }
  if (!isObject(node)) return;
  if ("schema" in node) {
    if ("example" in node) check(`${pointer}/schema`, node.example, `${pointer}/example`);
    if (isObject(node.examples)) {
      for (const [name, example] of Object.entries(node.examples)) {
        if (isObject(example) && "value" in example) {
          check(`${pointer}/schema`, example.value, `${pointer}/examples/${escape(name)}`);
        }
      }
    }
    walkSchema(node.schema, `${pointer}/schema`);
  }
  for (const [key, child] of Object.entries(node)) {
    if (key === "schema" || key === "example" || key === "examples") continue;
    if (pointer === "/components" && key === "schemas") continue;
    walkDocument(child, `${pointer}/${escape(key)}`);
  }
}

walkDocument(contract.spec, "");
const components = contract.spec.components;
const schemas = isObject(components) ? components.schemas : undefined;
if (isObject(schemas)) {
  for (const [name, schema] of Object.entries(schemas)) {
    const pointer = `/components/schemas/${escape(name)}`;
    contract.validate(pointer, null); // compiles it: a broken schema throws here
    walkSchema(schema, pointer);
  }
}
console.log(`examples: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
