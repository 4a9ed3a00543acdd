// The four AWS providers over one set of SDK clients. Import this module only on code
// paths that talk to AWS: it loads the SDK.

import type { Clock } from '../../clock.js';
import type { Providers } from '../types.js';
import { AwsClients, type AwsCall } from './clients.js';
import { AwsHealthCheckProvider } from './healthchecks.js';
import { DEFAULT_ROUTE53_RATE_PER_SECOND, RateLimiter } from './rate-limit.js';
import { AwsDnsProvider } from './route53.js';
import { AwsStackProvider } from './stacks.js';
import { AwsTableProvider } from './tables.js';

export type { AwsCall } from './clients.js';

export interface AwsProviderOptions {
  clock: Clock;
  /** A region of the manifest: its partition decides Route 53's endpoint region (partition.ts). */
  homeRegion?: string;
  /** Explicit endpoint for every service (--endpoint-url); wins over AWS_ENDPOINT_URL. */
  endpointUrl?: string;
  maxAttempts?: number;
  retryMode?: 'standard' | 'adaptive';
  /** Route 53 requests per second shared by records and health checks (one account budget). Default 5. */
  route53RatePerSecond?: number;
  /** How often a change set is polled until it is ready (the stack provider's default otherwise). */
  changeSetPollMs?: number;
  onCall?: (call: AwsCall) => void;
  /** The shared-config profile (--profile); AWS_PROFILE otherwise, as the SDK reads it. */
  profile?: string;
}

export interface AwsProviders {
  providers: Providers;
  clients: AwsClients;
  /** Closes the SDK clients' connections. */
  destroy(): void;
}

export function createAwsProviders(options: AwsProviderOptions): AwsProviders {
  const clients = new AwsClients({
    ...(options.endpointUrl !== undefined ? { endpointUrl: options.endpointUrl } : {}),
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    ...(options.retryMode !== undefined ? { retryMode: options.retryMode } : {}),
    ...(options.onCall !== undefined ? { onCall: options.onCall } : {}),
    ...(options.homeRegion !== undefined ? { homeRegion: options.homeRegion } : {}),
    ...(options.profile !== undefined ? { profile: options.profile } : {}),
  });
  // One bucket for both Route 53 providers: AWS throttles the account, not the API.
  const ratePerSecond = options.route53RatePerSecond ?? DEFAULT_ROUTE53_RATE_PER_SECOND;
  const limiter = new RateLimiter({ ratePerSecond, burst: Math.max(1, ratePerSecond), clock: options.clock });
  const providers: Providers = {
    stacks: new AwsStackProvider({
      clients,
      clock: options.clock,
      ...(options.changeSetPollMs !== undefined ? { changeSetPollMs: options.changeSetPollMs } : {}),
    }),
    tables: new AwsTableProvider({ clients }),
    dns: new AwsDnsProvider({ clients, limiter }),
    healthChecks: new AwsHealthCheckProvider({ clients, limiter }),
  };
  return { providers, clients, destroy: () => clients.destroy() };
}

/**
 * Resolves credentials once, before any planning, so that missing credentials are one
 * clear line (a CredentialsError naming the profile and what was tried) instead of a
 * failure on whichever call happens to go first. Returns the account when the credentials
 * name it.
 */
export async function checkCredentials(clients: AwsClients, region: string): Promise<{ accountId?: string }> {
  return clients.checkCredentials(region);
}
