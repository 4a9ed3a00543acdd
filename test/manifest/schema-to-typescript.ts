// Renders the TypeScript type a JSON Schema (the subset regions.schema.json uses) describes,
// so a test can compare it with the hand-written RegionSetManifest type.
export interface JsonSchema {
  $ref?: string;
  allOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  definitions?: Record<string, JsonSchema>;
}

export function schemaToTypeScript(root: JsonSchema): string {
  const render = (schema: JsonSchema): string => {
    if (schema.$ref) {
      const name = schema.$ref.replace('#/definitions/', '');
      const target = root.definitions?.[name];
      if (!target) throw new Error(`unresolved $ref ${schema.$ref}`);
      return render(target);
    }
    if (schema.allOf) return schema.allOf.map((part) => `(${render(part)})`).join(' & ');
    if (schema.const !== undefined) return JSON.stringify(schema.const);
    if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
    const types = schema.type === undefined ? [] : ([] as string[]).concat(schema.type);
    if (types.length === 0) throw new Error(`schema without type: ${JSON.stringify(schema).slice(0, 80)}`);
    return types.map((type) => `(${renderType(type, schema)})`).join(' | ');
  };
  const renderType = (type: string, schema: JsonSchema): string => {
    switch (type) {
      case 'object': {
        const required = new Set(schema.required ?? []);
        const members = Object.entries(schema.properties ?? {}).map(([key, value]) => `${JSON.stringify(key)}${required.has(key) ? '' : '?'}: ${render(value)};`);
        if (typeof schema.additionalProperties === 'object') members.push(`[key: string]: ${render(schema.additionalProperties)};`);
        return `{ ${members.join(' ')} }`;
      }
      case 'array':
        return `Array<${schema.items ? render(schema.items) : 'unknown'}>`;
      case 'integer':
      case 'number':
        return 'number';
      case 'string':
      case 'boolean':
      case 'null':
        return type;
      default:
        throw new Error(`unsupported type ${type}`);
    }
  };
  return render(root);
}
