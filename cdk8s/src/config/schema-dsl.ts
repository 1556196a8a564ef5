/**
 * A small schema language for the chart's values. One definition gives:
 * - the TypeScript type of the config (`Infer<typeof schema>`),
 * - the defaults (`defaults(schema)`) that become `values.yaml`,
 * - `values.schema.json` (`toJsonSchema(schema)`), which Helm checks on every install,
 * - the Helm expression of every leaf (`tokenize`), so the chart can be synthesized
 *   from the same constructs as the plain manifests.
 *
 * Why not a generic JSON-schema library: we need the leaf kinds (int/bool/string/block)
 * to decide how each value is written into a template, and the descriptions for
 * values.yaml comments; a dozen lines of builders keep all of that in one place.
 */

export type JsonSchema = { [key: string]: unknown };

interface BaseNode<K extends string, T> {
  readonly kind: K;
  readonly description: string;
  /** Phantom field carrying the TypeScript type. */
  readonly __type?: T;
}

export interface StringNode<T extends string = string> extends BaseNode<'string', T> {
  readonly default: T;
  readonly enum?: readonly T[];
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  /** Shown in the schema error message; Helm prints the pattern otherwise. */
  readonly patternHint?: string;
}

export interface IntNode extends BaseNode<'int', number> {
  readonly default: number;
  readonly minimum?: number;
  readonly maximum?: number;
}

export interface BoolNode extends BaseNode<'bool', boolean> {
  readonly default: boolean;
}

/** An opaque value rendered with `toYaml` (resources, tolerations, label maps...). */
export interface BlockNode<T> extends BaseNode<'block', T> {
  readonly default: T;
  readonly schema: JsonSchema;
}

export interface ObjectNode<F extends Fields> extends BaseNode<'object', InferFields<F>> {
  readonly fields: F;
  /** Other keys are allowed too (`global`, which an umbrella chart shares with every subchart). */
  readonly open?: boolean;
}

export type SchemaNode =
  | StringNode<string>
  | IntNode
  | BoolNode
  | BlockNode<unknown>
  | ObjectNode<Fields>;

export type Fields = { readonly [key: string]: SchemaNode };

export type Infer<N> = N extends BaseNode<string, infer T> ? T : never;
export type InferFields<F extends Fields> = { [K in keyof F]: Infer<F[K]> };

export const s = {
  string(description: string, opts: Omit<StringNode, 'kind' | 'description' | 'enum'>): StringNode {
    return { kind: 'string', description, ...opts };
  },
  enum<T extends string>(description: string, values: readonly T[], def: T): StringNode<T> {
    return { kind: 'string', description, enum: values, default: def };
  },
  int(description: string, opts: Omit<IntNode, 'kind' | 'description'>): IntNode {
    return { kind: 'int', description, ...opts };
  },
  bool(description: string, def: boolean): BoolNode {
    return { kind: 'bool', description, default: def };
  },
  block<T>(description: string, def: T, schema: JsonSchema): BlockNode<T> {
    return { kind: 'block', description, default: def, schema };
  },
  object<F extends Fields>(description: string, fields: F, opts: { open?: boolean } = {}): ObjectNode<F> {
    return { kind: 'object', description, fields, ...opts };
  },
};

/** Common block schemas. */
export const blockSchemas = {
  stringMap: { type: 'object', additionalProperties: { type: 'string' } },
  objectList: { type: 'array', items: { type: 'object' } },
  object: { type: 'object' },
  // Free-form like Kubernetes: limits optional, quantities as strings ("500m") or numbers (2).
  resources: {
    type: 'object',
    additionalProperties: false,
    properties: {
      requests: { $ref: '#/definitions/resourceList' },
      limits: { $ref: '#/definitions/resourceList' },
    },
  },
};

/** Shared definitions referenced by block schemas. */
export const schemaDefinitions: JsonSchema = {
  // cpu, memory and ephemeral-storage checked by their units; any other resource name (extended
  // resources such as nvidia.com/gpu, hugepages-2Mi) takes any Kubernetes quantity.
  resourceList: {
    type: 'object',
    propertyNames: { pattern: '^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$' },
    additionalProperties: { anyOf: [{ type: 'string', pattern: '^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$' }, { type: 'number', minimum: 0 }] },
    properties: {
      cpu: { anyOf: [{ type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?m?$' }, { type: 'number', exclusiveMinimum: 0 }] },
      memory: { anyOf: [{ type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$' }, { type: 'integer', exclusiveMinimum: 0 }] },
      'ephemeral-storage': { anyOf: [{ type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$' }, { type: 'integer', exclusiveMinimum: 0 }] },
    },
  },
};

export function defaults<N extends SchemaNode>(node: N): Infer<N> {
  if (node.kind === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node.fields)) out[key] = defaults(child);
    return out as Infer<N>;
  }
  return structuredClone(node.default) as Infer<N>;
}

export function toJsonSchema(node: SchemaNode): JsonSchema {
  switch (node.kind) {
    case 'string': {
      const out: JsonSchema = { type: 'string', description: node.description };
      if (node.enum) out.enum = [...node.enum];
      if (node.pattern !== undefined) out.pattern = node.pattern;
      if (node.minLength !== undefined) out.minLength = node.minLength;
      if (node.maxLength !== undefined) out.maxLength = node.maxLength;
      return out;
    }
    case 'int': {
      const out: JsonSchema = { type: 'integer', description: node.description };
      if (node.minimum !== undefined) out.minimum = node.minimum;
      if (node.maximum !== undefined) out.maximum = node.maximum;
      return out;
    }
    case 'bool':
      return { type: 'boolean', description: node.description };
    case 'block':
      return { description: node.description, ...node.schema };
    case 'object': {
      const keys = Object.keys(node.fields);
      return {
        type: 'object',
        description: node.description,
        additionalProperties: node.open === true,
        required: keys,
        properties: Object.fromEntries(keys.map((k) => [k, toJsonSchema(node.fields[k])])),
      };
    }
  }
}

/** Visits every leaf with its dotted path (`api.replicaCount`). */
export function walkLeaves(
  node: SchemaNode,
  visit: (path: string[], leaf: Exclude<SchemaNode, ObjectNode<Fields>>) => void,
  path: string[] = [],
): void {
  if (node.kind === 'object') {
    for (const [key, child] of Object.entries(node.fields)) walkLeaves(child, visit, [...path, key]);
  } else {
    visit(path, node);
  }
}

/** Checks a concrete config against the schema (the same rules Helm applies with values.schema.json). */
export function checkAgainstSchema(node: SchemaNode, value: unknown, path = '(root)'): string[] {
  const problems: string[] = [];
  switch (node.kind) {
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: must be an object`];
      const rec = value as Record<string, unknown>;
      for (const key of Object.keys(rec)) {
        if (!(key in node.fields) && !node.open) problems.push(`${path}.${key}: unknown key`);
      }
      for (const [key, child] of Object.entries(node.fields)) {
        if (!(key in rec)) problems.push(`${path}.${key}: missing`);
        else problems.push(...checkAgainstSchema(child, rec[key], path === '(root)' ? key : `${path}.${key}`));
      }
      return problems;
    }
    case 'string':
      if (typeof value !== 'string') return [`${path}: must be a string`];
      if (node.enum && !node.enum.includes(value)) problems.push(`${path}: must be one of ${node.enum.join(', ')}`);
      if (node.pattern && !new RegExp(node.pattern).test(value)) problems.push(`${path}: must match ${node.pattern}`);
      if (node.minLength !== undefined && value.length < node.minLength) problems.push(`${path}: too short`);
      if (node.maxLength !== undefined && value.length > node.maxLength) problems.push(`${path}: too long`);
      return problems;
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) return [`${path}: must be an integer`];
      if (node.minimum !== undefined && value < node.minimum) problems.push(`${path}: must be >= ${node.minimum}`);
      if (node.maximum !== undefined && value > node.maximum) problems.push(`${path}: must be <= ${node.maximum}`);
      return problems;
    case 'bool':
      return typeof value === 'boolean' ? [] : [`${path}: must be a boolean`];
    case 'block':
      return [];
  }
}
