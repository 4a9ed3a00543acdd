// Just enough of a CloudFormation template reader for the sandbox: parse YAML (with the
// short-form intrinsic tags) or JSON, check the parts AWS checks first, find Outputs, diff
// Resources, and synthesize deterministic output values.

import { AwsRequestError } from '../../errors.js';
import { isJsonTemplate, parseTemplateDocument } from '../../template/cfn-yaml.js';
import type { StackResourceChange } from '../types.js';
import { deepEqual, sha256Hex } from './util.js';

export interface ParsedTemplate {
  resources: Record<string, { Type?: string; Properties?: unknown; [key: string]: unknown }>;
  parameters: Record<string, { Default?: unknown; NoEcho?: unknown; [key: string]: unknown }>;
  outputs: Record<string, { Value?: unknown; [key: string]: unknown }>;
  transform: boolean;
}

function formatError(detail: string): AwsRequestError {
  // AWS's "Template format error:" prefix. cfn.template-format-errors covers no Resources and a resource
  // without Type; no case yet for the other details (YAML/JSON parse errors, non-object sections, unresolved references).
  return new AwsRequestError(`Template format error: ${detail}`, 'ValidationError');
}

// Every region of a RegionSet deploys the same template body: parse it once per process
// (YAML parsing was the largest part of a cold `diff --sandbox`). Callers never mutate it.
const parsedTemplates = new Map<string, ParsedTemplate>();
const MAX_CACHED_TEMPLATES = 32;

export function parseTemplate(body: string): ParsedTemplate {
  const cached = parsedTemplates.get(body);
  if (cached) return cached;
  const parsed = parseTemplateUncached(body);
  if (parsedTemplates.size >= MAX_CACHED_TEMPLATES) parsedTemplates.delete(parsedTemplates.keys().next().value!);
  parsedTemplates.set(body, parsed);
  return parsed;
}

function parseTemplateUncached(body: string): ParsedTemplate {
  let doc: unknown;
  try {
    doc = parseTemplateDocument(body);
  } catch (error) {
    const detail = isJsonTemplate(body) ? 'JSON not well-formed.' : 'YAML not well-formed.';
    throw formatError(`${detail} (${(error as Error).message.split('\n')[0]})`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw formatError('YAML not well-formed.');
  const template = doc as Record<string, unknown>;
  const resources = template['Resources'];
  if (!resources || typeof resources !== 'object' || Array.isArray(resources) || Object.keys(resources).length === 0) {
    throw formatError('At least one Resources member must be defined.');
  }
  for (const [logicalId, resource] of Object.entries(resources as Record<string, unknown>)) {
    if (!resource || typeof resource !== 'object' || typeof (resource as { Type?: unknown }).Type !== 'string') {
      throw formatError(`[/Resources/${logicalId}] Every Resources object must contain a Type member.`);
    }
  }
  const section = (key: string) => {
    const value = template[key];
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value)) throw formatError(`Every ${key} member must be an object.`);
    return value as Record<string, never>;
  };
  const parsed: ParsedTemplate = {
    resources: resources as ParsedTemplate['resources'],
    parameters: section('Parameters'),
    outputs: section('Outputs'),
    transform: template['Transform'] !== undefined,
  };
  if (!parsed.transform) checkReferences(parsed);
  return parsed;
}

/** Every Ref and GetAtt must name a parameter, a resource or a pseudo parameter (AWS::...). */
function checkReferences(template: ParsedTemplate): void {
  const known = (name: string, allowParameters: boolean) =>
    name.startsWith('AWS::') || name in template.resources || (allowParameters && name in template.parameters);
  for (const [block, body] of [['Resources', template.resources], ['Outputs', template.outputs]] as const) {
    const unresolved = new Set<string>();
    walk(body, (key, value) => {
      if (key === 'Ref' && typeof value === 'string' && !known(value, true)) unresolved.add(value);
      if (key === 'Fn::GetAtt') {
        const target = Array.isArray(value) ? value[0] : typeof value === 'string' ? value.split('.')[0] : undefined;
        if (typeof target === 'string' && !known(target, false)) unresolved.add(target);
      }
    });
    if (unresolved.size > 0) {
      throw formatError(`Unresolved resource dependencies [${[...unresolved].join(', ')}] in the ${block} block of the template`);
    }
  }
}

function walk(node: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(node)) node.forEach((n) => walk(n, visit));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      visit(k, v);
      walk(v, visit);
    }
  }
}

/** AWS's parameter checks: every parameter declared, every undeclared one without Default given. */
export function checkParameters(template: ParsedTemplate, parameters: Record<string, string>): void {
  const unknown = Object.keys(parameters).filter((k) => !(k in template.parameters));
  if (unknown.length > 0) {
    // cfn.undeclared-parameter (AWS's text as quoted in two public threads).
    throw new AwsRequestError(`Parameters: [${unknown.join(', ')}] do not exist in the template`, 'ValidationError');
  }
  const missing = Object.entries(template.parameters)
    .filter(([k, decl]) => !(k in parameters) && (decl ?? {}).Default === undefined)
    .map(([k]) => k);
  if (missing.length > 0) {
    // cfn.parameters-must-have-values
    throw new AwsRequestError(`Parameters: [${missing.join(', ')}] must have values`, 'ValidationError');
  }
}

/** InsufficientCapabilitiesException as AWS raises it for IAM resources and macros. */
// cfn.capabilities-iam (CAPABILITY_IAM, CAPABILITY_NAMED_IAM; the AUTO_EXPAND wording is its snapshot source).
export function checkCapabilities(template: ParsedTemplate, capabilities: string[]): void {
  const iam = Object.values(template.resources).filter((r) => String(r.Type).startsWith('AWS::IAM::'));
  const named = iam.some((r) => {
    const props = (r.Properties ?? {}) as Record<string, unknown>;
    return ['RoleName', 'UserName', 'GroupName', 'PolicyName', 'ManagedPolicyName', 'InstanceProfileName'].some((k) => k in props);
  });
  if (named && !capabilities.includes('CAPABILITY_NAMED_IAM')) {
    throw new AwsRequestError('Requires capabilities : [CAPABILITY_NAMED_IAM]', 'InsufficientCapabilitiesException');
  }
  if (iam.length > 0 && !capabilities.includes('CAPABILITY_IAM') && !capabilities.includes('CAPABILITY_NAMED_IAM')) {
    throw new AwsRequestError('Requires capabilities : [CAPABILITY_IAM]', 'InsufficientCapabilitiesException');
  }
  if (template.transform && !capabilities.includes('CAPABILITY_AUTO_EXPAND')) {
    throw new AwsRequestError('Requires capabilities : [CAPABILITY_AUTO_EXPAND]', 'InsufficientCapabilitiesException');
  }
}

/**
 * Deterministic output values standing in for what the resources would produce:
 *   *HostedZoneId → Z + 12 hex of the region; *Path → its literal string (else /health);
 *   anything else → <key>-<8 hex of stack+region>.execute-api.<region>.amazonaws.com
 */
export function synthesizeOutputs(template: ParsedTemplate, stackName: string, region: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const [key, output] of Object.entries(template.outputs)) {
    const value = (output ?? {}).Value;
    if (key.endsWith('HostedZoneId')) {
      outputs[key] = `Z${sha256Hex('hosted-zone', region).slice(0, 12).toUpperCase()}`;
    } else if (key.endsWith('Path')) {
      outputs[key] = typeof value === 'string' ? value : '/health';
    } else {
      outputs[key] = `${key.toLowerCase()}-${sha256Hex(stackName, region).slice(0, 8)}.execute-api.${region}.amazonaws.com`;
    }
  }
  return outputs;
}

/** Add/Remove/Modify by logical id, like a change set; Modify also when a used parameter changed. */
export function diffResources(
  before: { template: ParsedTemplate; parameters: Record<string, string> } | undefined,
  after: { template: ParsedTemplate; parameters: Record<string, string> },
): StackResourceChange[] {
  const changes: StackResourceChange[] = [];
  if (!before) {
    for (const [logicalId, r] of Object.entries(after.template.resources)) changes.push({ action: 'Add', logicalId, resourceType: String(r.Type) });
    return changes;
  }
  const effective = (t: ParsedTemplate, p: Record<string, string>) => {
    const values: Record<string, string | undefined> = {};
    for (const [k, decl] of Object.entries(t.parameters)) values[k] = p[k] ?? ((decl ?? {}).Default === undefined ? undefined : String(decl.Default));
    return values;
  };
  const oldValues = effective(before.template, before.parameters);
  const newValues = effective(after.template, after.parameters);
  const changedParams = Object.keys({ ...oldValues, ...newValues }).filter((k) => oldValues[k] !== newValues[k]);
  for (const [logicalId, r] of Object.entries(after.template.resources)) {
    const old = before.template.resources[logicalId];
    if (!old) {
      changes.push({ action: 'Add', logicalId, resourceType: String(r.Type) });
    } else if (old.Type !== r.Type) {
      // A type change is a replacement: AWS shows it as Remove + Add of the same logical id.
      changes.push({ action: 'Remove', logicalId, resourceType: String(old.Type) });
      changes.push({ action: 'Add', logicalId, resourceType: String(r.Type) });
    } else if (!deepEqual(old, r)) {
      changes.push({ action: 'Modify', logicalId, resourceType: String(r.Type) });
    } else if (changedParams.some((p) => mentionsParameter(r, p))) {
      changes.push({ action: 'Modify', logicalId, resourceType: String(r.Type) });
    }
  }
  for (const [logicalId, old] of Object.entries(before.template.resources)) {
    if (!(logicalId in after.template.resources)) changes.push({ action: 'Remove', logicalId, resourceType: String(old.Type) });
  }
  return changes;
}

/** True when the definition refers to the parameter (Ref, or ${Name} inside Fn::Sub). */
function mentionsParameter(node: unknown, parameter: string): boolean {
  if (Array.isArray(node)) return node.some((n) => mentionsParameter(n, parameter));
  if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (k === 'Ref' && v === parameter) return true;
      if (k === 'Fn::Sub') {
        const text = Array.isArray(v) ? v[0] : v;
        if (typeof text === 'string' && text.includes(`\${${parameter}}`)) return true;
      }
      if (mentionsParameter(v, parameter)) return true;
    }
  }
  return false;
}
