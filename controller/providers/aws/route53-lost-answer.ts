// A ChangeResourceRecordSets whose answer never arrived (a request timeout or a dropped
// connection) may or may not have been applied: Route 53 applies a batch as a whole or not at
// all, and the only way to know is to read the zone. Sending it again blindly is wrong both
// ways: a CREATE already applied is refused ("Tried to create resource record set ... but it
// already exists", r53.create-existing-record) and a DELETE already applied is refused as
// "not found" (r53.delete-missing-record). Issue 12 item 8: re-read, then decide.

import { dnsNameKey } from '../../dns-name.js';
import { AwsRequestError, TransientError } from '../../errors.js';
import type { ChangeStatus, DnsRecord, RecordChange } from '../types.js';
import { errorCode } from './errors.js';

/** Errors after which the request may have reached Route 53 while its answer was lost (ResponseLost: no-blind-retry.ts). */
const ANSWER_MAY_BE_LOST = new Set(['ResponseLost', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE']);

export function answerMayBeLost(error: unknown): boolean {
  return ANSWER_MAY_BE_LOST.has(errorCode(error)) || ANSWER_MAY_BE_LOST.has(String((error as { code?: unknown })?.code ?? ''));
}

/**
 * What to do once the zone's records are re-read: all changes visible → the batch was applied
 * (its change id went with the answer; ListResourceRecordSets already serves the records, so
 * it is reported INSYNC); none visible → not applied, a TransientError the executor retries
 * (sending again is safe); some → another writer touched these records meanwhile.
 */
export function settleLostAnswer(
  what: string,
  zoneId: string,
  error: unknown,
  changes: RecordChange[],
  records: DnsRecord[],
): { id: string; status: ChangeStatus } {
  const code = errorCode(error);
  const visible = changes.map((change) => isVisible(change, records));
  if (visible.every(Boolean)) {
    return { id: `(answer lost to ${code}; the zone's records show the change applied)`, status: 'INSYNC' };
  }
  if (!visible.some(Boolean)) {
    throw new TransientError(`${what}: ${code}: the answer was lost and the zone's records show the change not applied; sending it again`, code, { cause: error });
  }
  const missing = changes.filter((_, i) => !visible[i]).map((c) => `${c.action} ${c.record.name} ${c.record.type}${c.record.setIdentifier ? ` (${c.record.setIdentifier})` : ''}`);
  throw new AwsRequestError(
    `${what}: the answer was lost (${code}) and the zone now shows only part of the batch (not visible: ${missing.join(', ')}); another writer changed these records meanwhile. Run \`regionctl diff\` to see the zone as it is, then \`regionctl apply\` again`,
    'ChangeOutcomeUnknown',
    zoneId,
  );
}

/** CREATE/UPSERT: an identical record exists; DELETE: no identical record remains. */
function isVisible(change: RecordChange, records: DnsRecord[]): boolean {
  const wanted = comparable(change.record);
  const present = records.some((r) => comparable(r) === wanted);
  return change.action === 'DELETE' ? !present : present;
}

function comparable(record: DnsRecord): string {
  return JSON.stringify([
    dnsNameKey(record.name),
    record.type,
    record.setIdentifier ?? null,
    record.alias ? null : (record.ttl ?? null),
    [...record.values].sort(),
    record.alias ? [record.alias.hostedZoneId.replace(/^\/hostedzone\//, ''), dnsNameKey(record.alias.dnsName), record.alias.evaluateTargetHealth] : null,
    record.weight ?? null,
    record.region ?? null,
    record.failover ?? null,
    record.geolocation ? [record.geolocation.continentCode ?? null, record.geolocation.countryCode ?? null, record.geolocation.subdivisionCode ?? null] : null,
    record.healthCheckId ?? null,
  ]);
}
