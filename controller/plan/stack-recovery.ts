// What a failed stack's way out needs, read from its live state (shared by the stacks pass and
// the guardrails).

import type { LiveStack } from '../providers/types.js';

/**
 * The resources a DeleteStack of a DELETE_FAILED stack must retain: those AWS lists as
 * DELETE_FAILED (ListStackResources), else those its status reason names. Undefined when
 * neither names one: the guardrails refuse the plan (a plain retry would fail again).
 */
export function failedToDelete(stack: LiveStack): string[] | undefined {
  if (stack.failedResources?.length) return [...stack.failedResources];
  const named = /failed to delete: \[([^\]]+)\]/.exec(stack.statusReason ?? '')?.[1];
  const ids = named?.split(',').map((id) => id.trim()).filter((id) => id.length > 0) ?? [];
  return ids.length > 0 ? ids.sort() : undefined;
}
