// The whole corpus, in one list: the moto and sandbox runs and the README's rule map use it.
import { cloudFormationCases } from './cloudformation.js';
import { cloudFormationRecoveryCases } from './cloudformation-recovery.js';
import { dynamoDbCases } from './dynamodb.js';
import { route53Cases } from './route53.js';
import type { ConformanceCase } from './types.js';

export const allCases: ConformanceCase[] = [...cloudFormationCases, ...cloudFormationRecoveryCases, ...dynamoDbCases, ...route53Cases];

export function caseById(id: string): ConformanceCase {
  const found = allCases.find((each) => each.id === id);
  if (!found) throw new Error(`no conformance case ${id}`);
  return found;
}
