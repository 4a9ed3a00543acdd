// Route 53's verdict on a health check from its checkers' reports, one rule for the sandbox,
// the AWS adapter and ramp gating. Route 53 developer guide, "How Amazon Route 53 determines
// whether a health check is healthy" (dns-failover-determining-health-of-endpoints.html): "If
// more than 18% of health checkers report that an endpoint is healthy, Route 53 considers it
// healthy. If 18% of health checkers or fewer report that an endpoint is healthy, Route 53
// considers it unhealthy." Conformance case r53.healthy-above-18-percent.

/** The share of checkers that must be EXCEEDED, in percent. */
export const HEALTHY_CHECKER_PERCENT = 18;

/** Healthy when more than 18% of the reporting checkers report healthy (integer arithmetic: 9 of 50 is exactly 18%, unhealthy). */
export function healthyByCheckers(healthy: number, total: number): boolean {
  return total > 0 && healthy * 100 > total * HEALTHY_CHECKER_PERCENT;
}

/**
 * Route 53's default checker regions: what a check created without Regions (or reset with
 * ResetElements: ['Regions']) uses (API_HealthCheckConfig: "If you don't specify any regions,
 * Route 53 uses all of the regions that are listed under Valid Values"; r53.reset-regions).
 */
export const DEFAULT_CHECKER_REGIONS: readonly string[] = ['us-east-1', 'us-west-1', 'us-west-2', 'eu-west-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1'];

/** True when a live check's Regions list is the default set (an empty list or every default region). */
export function usesDefaultCheckerRegions(regions: readonly string[]): boolean {
  return regions.length === 0 || (new Set(regions).size === DEFAULT_CHECKER_REGIONS.length && DEFAULT_CHECKER_REGIONS.every((r) => regions.includes(r)));
}
