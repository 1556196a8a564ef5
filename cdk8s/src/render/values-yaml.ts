/** values.yaml and values.schema.json from the config schema (one source for both). */
import * as YAML from 'yaml';
import { JsonSchema, schemaDefinitions, SchemaNode, toJsonSchema } from '../config/schema-dsl';

function comment(text: string, indent: string): string {
  return `${indent}# -- ${text}\n`;
}

function renderNode(node: SchemaNode, value: unknown, indent: string): string {
  if (node.kind !== 'object') throw new Error('root must be an object');
  let out = '';
  for (const [key, child] of Object.entries(node.fields)) {
    const v = (value as Record<string, unknown>)[key];
    out += comment(child.description, indent);
    if (child.kind === 'object') {
      out += `${indent}${key}:\n${renderNode(child, v, `${indent}  `)}`;
    } else {
      const isEmpty = (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0);
      if (typeof v === 'object' && v !== null && !isEmpty) {
        const body = YAML.stringify(v, { lineWidth: 0, indentSeq: true })
          .replace(/\n$/, '')
          .split('\n')
          .map((l) => `${indent}  ${l}`)
          .join('\n');
        out += `${indent}${key}:\n${body}\n`;
      } else {
        out += `${indent}${key}: ${YAML.stringify(v, { lineWidth: 0 }).trim()}\n`;
      }
    }
  }
  return out;
}

export function renderValuesYaml(schema: SchemaNode, values: unknown, header: string): string {
  return `${header}${renderNode(schema, values, '')}`;
}

export function renderValuesSchema(schema: SchemaNode): string {
  const json: JsonSchema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'KryptoVault Helm chart values',
    ...toJsonSchema(schema),
    definitions: schemaDefinitions,
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}
