import type { ManifestIssue } from './types.js';

/** `FILE:LINE:COL: error[RULE]: MESSAGE`, the form editors and CI annotations understand. */
export function formatIssue(issue: ManifestIssue): string {
  return `${issue.file}:${issue.line}:${issue.column}: error[${issue.rule}]: ${issue.message}`;
}

/** `FILE:LINE:COL: warning[RULE]: MESSAGE`: reported, but the manifest stays valid. */
export function formatWarning(issue: ManifestIssue): string {
  return `${issue.file}:${issue.line}:${issue.column}: warning[${issue.rule}]: ${issue.message}`;
}

export function formatIssues(issues: readonly ManifestIssue[]): string {
  return issues.map((issue) => `${formatIssue(issue)}\n`).join('');
}
