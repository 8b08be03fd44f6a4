/**
 * Checks arguments against a plain JSON Schema, for tools hearth did not write (an MCP server's, a delegated
 * runtime's): the common keywords a tool's input schema uses (type, properties, required, additionalProperties,
 * items, enum, const, minimum/maximum, minLength/maxLength, minItems/maxItems). Keywords it does not know are
 * left to the tool itself, which checks its own input as well; this check is there so the model gets a clear
 * error to fix at once, not so that a bad call can never reach the tool.
 */

export type SchemaIssue = { path: string; message: string };

type Schema = Record<string, unknown>;

/** The issues found, [] when the value fits (as far as the known keywords go). */
export function checkJsonSchema(value: unknown, schema: Schema, path = ""): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const at = (message: string) => issues.push({ path: path || "arguments", message });
  if (schema.const !== undefined && !sameJson(value, schema.const))
    at(`must be ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => sameJson(value, option)))
    at(`must be one of ${schema.enum.map((o) => JSON.stringify(o)).join(", ")}`);
  const types =
    typeof schema.type === "string" ? [schema.type] : Array.isArray(schema.type) ? schema.type : [];
  if (types.length > 0 && !types.some((type) => hasType(value, String(type)))) {
    at(`expected ${types.join(" or ")}, got ${typeName(value)}`);
    return issues;
  }
  if (typeof value === "string") {
    if (typeof schema.minLength === "number" && value.length < schema.minLength)
      at(`must be at least ${schema.minLength} characters`);
    if (typeof schema.maxLength === "number" && value.length > schema.maxLength)
      at(`must be at most ${schema.maxLength} characters`);
  }
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum)
      at(`must be at least ${schema.minimum}`);
    if (typeof schema.maximum === "number" && value > schema.maximum) at(`must be at most ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems)
      at(`must have at least ${schema.minItems} items`);
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems)
      at(`must have at most ${schema.maxItems} items`);
    if (isSchema(schema.items))
      value.forEach((item, index) => {
        issues.push(...checkJsonSchema(item, schema.items as Schema, `${path}[${index}]`));
      });
  }
  if (isPlainObject(value)) {
    const properties = isSchema(schema.properties) ? (schema.properties as Record<string, Schema>) : {};
    if (Array.isArray(schema.required))
      for (const name of schema.required)
        if (typeof name === "string" && !(name in value))
          issues.push({ path: join(path, name), message: "required" });
    for (const [name, item] of Object.entries(value)) {
      const property = properties[name];
      if (isSchema(property)) issues.push(...checkJsonSchema(item, property, join(path, name)));
      else if (schema.additionalProperties === false)
        issues.push({ path: join(path, name), message: "is not a known parameter" });
      else if (isSchema(schema.additionalProperties))
        issues.push(...checkJsonSchema(item, schema.additionalProperties as Schema, join(path, name)));
    }
  }
  return issues;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case "object":
      return isPlainObject(value);
    case "array":
      return Array.isArray(value);
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "null":
      return value === null;
    default:
      return true; // a type this check does not know: the tool decides
  }
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isSchema(value: unknown): boolean {
  return isPlainObject(value);
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
