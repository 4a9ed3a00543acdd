// Warnings about secrets written into a manifest: a value for a parameter the template
// declares NoEcho belongs in SSM Parameter Store or Secrets Manager, not in git.

import type { PointedIssue } from './schema-errors.js';
import type { DesiredState, RegionSetManifest } from './types.js';

/** A CloudFormation dynamic reference: CloudFormation fetches the value, the manifest holds only its name. */
const DYNAMIC_REFERENCE = /^\{\{resolve:(ssm|ssm-secure|secretsmanager):[^{}]+\}\}$/;

export function secretLiteralWarnings(manifest: RegionSetManifest, desired: DesiredState): PointedIssue[] {
  const secret = new Set(desired.stack.noEchoParameters);
  if (secret.size === 0) return [];
  const sources: Array<[string, Record<string, unknown> | undefined]> = [
    ['/spec/stack/parameters', manifest.spec.stack.parameters],
    ...Object.entries(manifest.spec.regions).map(([code, region]): [string, Record<string, unknown> | undefined] => [`/spec/regions/${code}/parameters`, region?.parameters]),
  ];
  const warnings: PointedIssue[] = [];
  for (const [base, parameters] of sources) {
    for (const [name, value] of Object.entries(parameters ?? {})) {
      if (!secret.has(name) || (typeof value === 'string' && DYNAMIC_REFERENCE.test(value.trim()))) continue;
      warnings.push({
        rule: 'noecho-literal',
        pointer: `${base}/${name}`,
        message:
          `parameter ${name} is NoEcho in the template but its value is written here, readable by anyone with the repository; ` +
          `store it in SSM Parameter Store or Secrets Manager and write a dynamic reference such as ` +
          `{{resolve:ssm-secure:/${desired.name}/${name}}} or {{resolve:secretsmanager:${desired.name}:SecretString:${name}}}`,
      });
    }
  }
  return warnings;
}
