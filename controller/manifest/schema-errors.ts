// Turns ajv's errors into issues a person can act on: which key, what is wrong, what to
// write instead. ajv runs with verbose errors, so the failing schema (bounds, enums, hints)
// is at hand without loading the schema file.
import type { ErrorObject } from 'ajv';
import { closest } from './regions.js';
import { decodePointer, displayPath, encodePointer, type Anchor } from './positions.js';

export interface PointedIssue {
  rule: string;
  message: string;
  pointer: string;
  anchor?: Anchor;
}

type SchemaNode = {
  properties?: Record<string, SchemaNode>;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  examples?: unknown[];
  patternErrorMessage?: string;
  errorMessage?: string;
};

export function schemaIssues(errors: readonly ErrorObject[]): PointedIssue[] {
  const issues: PointedIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const issue = describe(error);
    if (!issue) continue;
    const key = `${issue.pointer}\u0000${issue.rule}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

function describe(error: ErrorObject): PointedIssue | undefined {
  const pointer = error.instancePath;
  const path = displayPath(pointer);
  const parent = (error.parentSchema ?? {}) as SchemaNode;
  const data: unknown = error.data;
  const params = error.params as Record<string, unknown>;
  const propertyName = (error as ErrorObject & { propertyName?: string }).propertyName;
  const hint = parent.patternErrorMessage;

  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys(parent.properties ?? {});
      const where = pointer === '' ? 'at the top level' : `in ${path}`;
      if (key === '<<') {
        return { rule: 'unknown-key', pointer: `${pointer}/<<`, anchor: 'key', message: `YAML merge keys (<<) are not supported ${where}; write the keys out` };
      }
      const suggestion = closest(key, allowed);
      const next = suggestion ? `did you mean "${suggestion}"?` : `allowed keys are ${allowed.join(', ')}`;
      return { rule: 'unknown-key', pointer: encodePointer([...decodePointer(pointer), key]), anchor: 'key', message: `unknown key "${key}" ${where}; ${next}` };
    }
    case 'required': {
      const key = String(params.missingProperty);
      const property = parent.properties?.[key];
      const example = property?.examples?.[0] ?? property?.default;
      const write = typeof example === 'string' || typeof example === 'number' ? `, for example ${key}: ${example}` : '';
      const where = pointer === '' ? 'the document' : path;
      return { rule: 'missing-key', pointer, message: `${where} is missing the required key "${key}"; add it${write}` };
    }
    case 'type': {
      const expected = ([] as string[]).concat(params.type as string | string[]).map(typeName);
      if (pointer === '') {
        return { rule: 'wrong-type', pointer, message: `the document must be a mapping with apiVersion, kind, metadata and spec, not ${valueName(data)}` };
      }
      return { rule: 'wrong-type', pointer, message: `${path} must be ${orList(expected)}, not ${valueName(data)}` };
    }
    case 'const': {
      const key = decodePointer(pointer).at(-1) ?? '';
      return { rule: 'invalid-value', pointer, message: `${path} is ${show(data)} but must be ${show(params.allowedValue)}; write ${key}: ${String(params.allowedValue)}` };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const suggestion = typeof data === 'string' ? closest(data, allowed) : undefined;
      const next = suggestion ? `did you mean ${suggestion}?` : `use one of ${allowed.join(', ')}`;
      return { rule: 'invalid-value', pointer, message: `${path} is ${show(data)}, which is not allowed; ${next}` };
    }
    case 'pattern': {
      if (propertyName !== undefined) {
        // Errors inside propertyNames are about a key of the mapping at instancePath.
        return { rule: 'invalid-value', pointer: encodePointer([...decodePointer(pointer), propertyName]), anchor: 'key', message: `key "${propertyName}" in ${path}: ${hint ?? `must match ${String(params.pattern)}`}` };
      }
      return { rule: 'invalid-value', pointer, message: `${path} is ${show(data)}: it ${hint ?? `must match ${String(params.pattern)}`}` };
    }
    case 'propertyNames':
      return undefined; // reported by the keyword that failed inside it (pattern)
    case 'minLength':
      return { rule: 'invalid-value', pointer, message: `${path} must not be empty` };
    case 'maxLength':
      return { rule: 'invalid-value', pointer, message: `${path} is longer than ${String(params.limit)} characters; shorten it` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const range =
        parent.minimum !== undefined && parent.maximum !== undefined
          ? `from ${parent.minimum} to ${parent.maximum}`
          : parent.minimum !== undefined
            ? `at least ${parent.minimum}`
            : `at most ${String(parent.maximum ?? params.limit)}`;
      return { rule: 'out-of-range', pointer, message: `${path} is ${show(data)} but must be ${range}` };
    }
    case 'minItems': {
      const count = Array.isArray(data) ? data.length : 0;
      return { rule: 'invalid-list', pointer, message: `${path} has ${count} item${count === 1 ? '' : 's'} but needs at least ${String(params.limit)}; add more` };
    }
    case 'uniqueItems': {
      const items = Array.isArray(data) ? data : [];
      // ajv reports the two indices in no fixed order; point at the later one.
      const second = Math.max(Number(params.i), Number(params.j));
      const first = Math.min(Number(params.i), Number(params.j));
      return { rule: 'invalid-list', pointer: `${pointer}/${second}`, message: `${path} lists ${show(items[second])} twice (items ${first + 1} and ${second + 1}); remove one` };
    }
    case 'minProperties':
      return { rule: 'invalid-list', pointer, message: `${path} is empty; add at least one entry, for example eu-west-1: {}` };
    case 'not':
      if (parent.errorMessage && pointer.endsWith('/ttl')) {
        return { rule: 'ttl-with-alias', pointer, anchor: 'key', message: `${path}: ${parent.errorMessage}` };
      }
      return { rule: 'invalid-value', pointer, message: `${path}: ${parent.errorMessage ?? 'is not allowed here'}` };
    default:
      return { rule: 'invalid-value', pointer, message: `${path} ${error.message ?? 'is not valid'}` };
  }
}

function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

function typeName(type: string): string {
  switch (type) {
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'integer':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean (true or false)';
    case 'null':
      return 'empty';
    default:
      return `a ${type}`;
  }
}

function valueName(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value === 'string' ? 'the string' : typeof value === 'number' ? 'the number' : 'the value'} ${show(value)}`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value) ?? String(value);
}
