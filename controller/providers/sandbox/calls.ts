// The call log: every AWS API call the adapters send to the sandbox, so tests can
// assert "no writes" and API-call budgets the way CloudTrail would show them.

export type AwsService = 'cloudformation' | 'dynamodb' | 'route53';

export interface CallRecord {
  seq: number;
  /** Virtual time of the call. */
  at: number;
  service: AwsService;
  /** AWS API operation name, e.g. DescribeStacks, UpdateTable, ChangeResourceRecordSets. */
  operation: string;
  region?: string;
  /** True when the operation changes infrastructure. */
  write: boolean;
  /** 'ok', an AWS error code, or 'pending' while the call runs. */
  outcome: string;
}

export class CallLog {
  private records: CallRecord[] = [];
  private seq = 0;

  /** Every call since the last reset, oldest first. */
  get entries(): readonly CallRecord[] {
    return this.records;
  }

  record(entry: Omit<CallRecord, 'seq'>): CallRecord {
    const full = { seq: ++this.seq, ...entry };
    this.records.push(full);
    return full;
  }

  /** Calls of one AWS operation (e.g. 'DescribeStacks'), or all calls without an argument. */
  count(operation?: string): number {
    return operation === undefined ? this.records.length : this.records.filter((r) => r.operation === operation).length;
  }

  /** Calls per AWS operation, e.g. { DescribeStacks: 3, UpdateStack: 1 }. */
  countByOperation(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of this.records) counts[r.operation] = (counts[r.operation] ?? 0) + 1;
    return counts;
  }

  /** Calls that changed (or tried to change) infrastructure. */
  writes(): CallRecord[] {
    return this.records.filter((r) => r.write);
  }

  /** Calls that failed, with their error codes. */
  failures(): CallRecord[] {
    return this.records.filter((r) => r.outcome !== 'ok' && r.outcome !== 'pending');
  }

  reset(): void {
    this.records = [];
  }
}
