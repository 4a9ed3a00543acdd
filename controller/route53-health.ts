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
