// AWS as a target: one set of SDK clients (shared timeouts, retries, endpoint, call
// metrics). This module loads the AWS SDK; targets/index.ts imports it only for AWS.

import { realClock, type Clock } from '../clock.js';
import type { DesiredState } from '../manifest/types.js';
import { partitionOf, type Partition } from '../partition.js';
import { checkCredentials, createAwsProviders, type AwsProviders } from '../providers/aws/index.js';
import type { AwsTargetSpec, RuntimeTarget, Target, TargetFactory, TargetHooks } from './types.js';

function openProviders(spec: AwsTargetSpec, clock: Clock, hooks: TargetHooks, homeRegion?: string): AwsProviders {
  // The SDK warns on every run on Node 20 that its 2027 releases need Node 22: nothing a user can act on.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const { endpointUrl, maxAttempts, retryMode, changeSetPollMs, profile } = spec;
  const onCall = hooks.onCall;
  return createAwsProviders({
    clock,
    // The manifest's partition decides Route 53's endpoint region (partition.ts).
    ...(homeRegion !== undefined ? { homeRegion } : {}),
    ...(endpointUrl !== undefined ? { endpointUrl } : {}),
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
    ...(retryMode !== undefined ? { retryMode } : {}),
    ...(changeSetPollMs !== undefined ? { changeSetPollMs } : {}),
    ...(profile !== undefined ? { profile } : {}),
    ...(onCall ? { onCall: (call) => onCall({ service: call.service, operation: call.operation, outcome: call.outcome }) } : {}),
  });
}

function describeAws(spec: AwsTargetSpec): string {
  const endpoint = spec.endpointUrl ?? process.env['AWS_ENDPOINT_URL'];
  const profile = spec.profile === undefined ? '' : `, profile ${spec.profile}`;
  return endpoint ? `AWS via ${endpoint}${profile}` : `AWS${profile}`;
}

/**
 * One CLI run against AWS. Credentials are checked (a CredentialsError naming what was
 * tried when there are none) in --region, else the manifest's first region, else us-east-1;
 * the manifest's region, else --region, decides the partition (Route 53's endpoint).
 */
export async function openAwsTarget(spec: AwsTargetSpec, manifestRegion: string | undefined, hooks: TargetHooks = {}): Promise<Target> {
  let writeCalls = 0;
  const opened = openProviders(
    spec,
    realClock,
    {
      onCall: (call) => {
        if (isWriteOperation(call.operation)) writeCalls++;
        hooks.onCall?.(call);
      },
    },
    manifestRegion ?? spec.region,
  );
  let accountId: string | undefined;
  try {
    ({ accountId } = await checkCredentials(opened.clients, spec.region ?? manifestRegion ?? 'us-east-1'));
  } catch (error) {
    opened.destroy();
    throw error;
  }
  const endpoint = spec.endpointUrl ?? process.env['AWS_ENDPOINT_URL'];
  return {
    providers: opened.providers,
    clock: realClock,
    save: async () => {},
    close: () => opened.destroy(),
    describe: describeAws(spec),
    writeCalls: () => writeCalls,
    identity: { kind: 'aws', ...(accountId ? { account: accountId } : {}), ...(endpoint ? { endpoint } : {}) },
  };
}

/** Reads are Describe*, List* and Get* (all that manifests/iam-policy-read-only.json allows); the rest write. */
function isWriteOperation(operation: string): boolean {
  return !/^(Describe|List|Get)/.test(operation);
}

/**
 * The controller's AWS target: SDK clients for the life of the process, one set per partition
 * of the manifests it serves (partition.ts): Route 53's endpoint region is that of the
 * RegionSet's partition, not of whichever call happened to go first.
 */
export class AwsTargets implements TargetFactory {
  readonly describe: string;
  private readonly opened = new Map<Partition, AwsProviders>();

  constructor(
    private readonly spec: AwsTargetSpec,
    private readonly hooks: TargetHooks & { clock?: Clock } = {},
  ) {
    this.describe = describeAws(spec);
  }

  async checkCredentials(region: string): Promise<void> {
    await checkCredentials(this.providersFor(region).clients, region);
  }

  async open(desired: DesiredState): Promise<RuntimeTarget> {
    const home = desired.regions[0]?.code ?? 'us-east-1';
    return { providers: this.providersFor(home).providers, clock: this.hooks.clock ?? realClock, release: async () => {} };
  }

  close(): void {
    for (const opened of this.opened.values()) opened.destroy();
    this.opened.clear();
  }

  /** The clients of `region`'s partition, its home region deciding Route 53's endpoint. */
  private providersFor(region: string): AwsProviders {
    const partition = partitionOf(region);
    let opened = this.opened.get(partition);
    if (!opened) {
      opened = openProviders(this.spec, this.hooks.clock ?? realClock, this.hooks, region);
      this.opened.set(partition, opened);
    }
    return opened;
  }
}
