// Turns the JSON Schema zod emits into a Kubernetes *structural* schema, which a CRD requires: every
// field's type is declared outside anyOf/oneOf, no `additionalProperties: false`, regexes in RE2 syntax.

/** A JSON Schema node (OpenAPI v3.0 flavour), loosely typed: the converter walks arbitrary shapes. */
export type SchemaNode = { [key: string]: unknown };

/** Raised when zod produced a shape no structural schema can express; the message names the path. */
export class StructuralSchemaError extends Error {
  override name = 'StructuralSchemaError';
}

const isNode = (value: unknown): value is SchemaNode =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Returns a structural copy of `node`; `path` only makes error messages useful. */
export function toStructuralSchema(node: SchemaNode, path = '<root>'): SchemaNode {
  const junction = (node.anyOf ?? node.oneOf) as unknown;
  if (Array.isArray(junction)) return mergeObjectUnion(node, junction, path);

  const out: SchemaNode = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema' || key === 'id' || key === '$id') continue;
    // Unknown fields are pruned by the API server; `false` here is not allowed in a structural schema.
    if (key === 'additionalProperties' && value === false) continue;
    // Go's RE2 has no lookaround; a declared format (date-time, uri) is validated by the server anyway.
    if (key === 'pattern' && node.format) continue;
    // zod bounds every integer by the safe range; that is noise in `kubectl explain` and changes nothing.
    if ((key === 'maximum' || key === 'minimum') && Math.abs(value as number) === Number.MAX_SAFE_INTEGER) {
      continue;
    }
    if (key === 'properties' && isNode(value)) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [
          name,
          toStructuralSchema(child as SchemaNode, `${path}.${name}`),
        ]),
      );
    } else if ((key === 'items' || key === 'additionalProperties') && isNode(value)) {
      out[key] = toStructuralSchema(value, `${path}[]`);
    } else {
      out[key] = value;
    }
  }
  if (typeof out.pattern === 'string') assertRe2(out.pattern, path);
  if (out.type === 'number') addFractionalBoundRules(out);
  return out;
}

/**
 * The API server compares a whole-number value with a truncated fractional bound (it stores `outscale: 0`
 * despite `minimum: 0.1`), so fractional bounds are restated as CEL rules, which compare as doubles.
 */
function addFractionalBoundRules(node: SchemaNode): void {
  const rules: { rule: string; message: string }[] = [];
  if (typeof node.minimum === 'number' && !Number.isInteger(node.minimum)) {
    rules.push({ rule: `self >= ${node.minimum}`, message: `must be at least ${node.minimum}` });
  }
  if (typeof node.maximum === 'number' && !Number.isInteger(node.maximum)) {
    rules.push({ rule: `self <= ${node.maximum}`, message: `must be at most ${node.maximum}` });
  }
  if (rules.length) node['x-kubernetes-validations'] = rules;
}

/**
 * A union of objects (`{imageId} | {videoId} | {url}`) becomes one object declaring every property, with
 * `oneOf` branches that only say which properties each alternative requires: exactly one must match.
 */
function mergeObjectUnion(node: SchemaNode, branches: unknown[], path: string): SchemaNode {
  const properties: Record<string, SchemaNode> = {};
  const requirements: SchemaNode[] = [];
  for (const branch of branches) {
    if (!isNode(branch) || branch.type !== 'object' || !isNode(branch.properties)) {
      throw new StructuralSchemaError(`${path}: only unions of objects can be expressed in a CRD schema`);
    }
    for (const [name, child] of Object.entries(branch.properties)) {
      const converted = toStructuralSchema(child as SchemaNode, `${path}.${name}`);
      const known = properties[name];
      if (known && JSON.stringify(known) !== JSON.stringify(converted)) {
        throw new StructuralSchemaError(`${path}.${name}: declared differently by two alternatives`);
      }
      properties[name] = converted;
    }
    requirements.push({ required: [...((branch.required as string[] | undefined) ?? [])] });
  }
  const { anyOf: _anyOf, oneOf: _oneOf, ...rest } = node;
  return { ...toStructuralSchema(rest, path), type: 'object', properties, oneOf: requirements };
}

/** RE2 (Go) refuses lookaround and backreferences; catching them here beats a CRD the server rejects. */
function assertRe2(pattern: string, path: string): void {
  if (/\(\?[=!<]|\\[1-9]/.test(pattern)) {
    throw new StructuralSchemaError(`${path}: pattern ${pattern} uses lookaround or backreferences`);
  }
}
