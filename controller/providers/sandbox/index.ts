// The sandbox: one in-memory fake AWS account. CloudFormation, DynamoDB and Route 53 are
// served at the API level (cloud.api: the operations of providers/aws/api.ts, in the SDK's
// shapes, with AWS's error codes), and cloud.providers() returns the AWS adapters over them.
export { SandboxCloud, SANDBOX_STATE_VERSION, type SandboxOptions } from './cloud.js';
export { loadSandbox, saveSandbox, type LoadOptions } from './persist.js';
export { SandboxServiceException } from './aws-error.js';
export { CallLog, type CallRecord, type AwsService } from './calls.js';
export { Faults, FAULT_OPERATIONS, FAULT_SERVICES, ASYNC_FAILURE_OPERATIONS, type FaultOptions } from './faults.js';
export type { CallHook, CallInfo } from './context.js';
export { DEFAULT_LATENCIES, INSTANT_LATENCIES, type Latencies, type SandboxState, type FaultKind, type ReplicaDeletion } from './state.js';
export type { SeedTableOptions } from './tables.js';
export { HEALTH_CHECKER_REGIONS } from './healthchecks.js';
export { normaliseName, compareRecords } from './route53.js';
export { parseTemplate, synthesizeOutputs, diffResources } from './template.js';
export {
  SandboxStateError,
  readStateFile,
  writeStateFile,
  checkStateWritable,
  lockStateFile,
  lockWaitFromEnvironment,
  type StateLock,
  type LockHolder,
  type LockOptions,
} from './statefile.js';
