import { describe, expect, it } from 'vitest';
import { batchRecordChanges } from '../../controller/plan/batch.js';
import type { RecordChange } from '../../controller/providers/types.js';

const change = (name: string, action: RecordChange['action'] = 'CREATE', values = 1, valueLength = 10, setIdentifier?: string): RecordChange => ({
  action,
  record: { name, type: 'TXT', ttl: 60, ...(setIdentifier ? { setIdentifier, weight: 1 } : {}), values: Array.from({ length: values }, (_, i) => `"${String(i).padStart(valueLength - 2, '0')}"`) },
});

describe('batchRecordChanges', () => {
  it('puts small change sets in one call', () => {
    const changes = [change('a.example.com.'), change('b.example.com.', 'DELETE'), change('c.example.com.', 'UPSERT')];
    expect(batchRecordChanges(changes)).toEqual([changes]);
  });

  it('sends the deletes of a name before its creates (a routing switch reuses the set identifiers)', () => {
    const create = change('api.example.com.', 'CREATE', 1, 10, 'global-api:eu-west-1');
    const remove = change('api.example.com.', 'DELETE', 1, 10, 'global-api:eu-west-1');
    const other = change('b.example.com.');
    expect(batchRecordChanges([create, other, remove])).toEqual([[remove, create, other]]);
  });

  it('splits at 1,000 records, counting UPSERT twice', () => {
    const changes = Array.from({ length: 600 }, (_, i) => change(`n${i}.example.com.`, 'UPSERT'));
    const batches = batchRecordChanges(changes);
    expect(batches.map((b) => b.length)).toEqual([500, 100]);
    expect(batches.flat()).toEqual(changes);
  });

  it('splits at 32,000 characters of values', () => {
    const changes = Array.from({ length: 5 }, (_, i) => change(`n${i}.example.com.`, 'CREATE', 40, 250));
    expect(batchRecordChanges(changes).map((b) => b.length)).toEqual([3, 2]);
  });

  it('keeps every change of one name in the same call (a routing switch is atomic)', () => {
    const filler = Array.from({ length: 499 }, (_, i) => change(`n${i}.example.com.`));
    const switchDelete = change('api.example.com.', 'DELETE', 1, 10, 'old');
    const switchCreate = change('api.example.com.', 'CREATE', 1, 10, 'new');
    const batches = batchRecordChanges([...filler, switchDelete, ...filler.map((c) => ({ ...c, action: 'DELETE' as const })), switchCreate]);
    const holding = batches.filter((b) => b.includes(switchDelete) || b.includes(switchCreate));
    expect(holding).toHaveLength(1);
    for (const b of batches) expect(b.reduce((n, c) => n + c.record.values.length * (c.action === 'UPSERT' ? 2 : 1), 0)).toBeLessThanOrEqual(1000);
  });

  it('is deterministic', () => {
    const changes = Array.from({ length: 50 }, (_, i) => change(`n${i % 7}.example.com.`, i % 3 === 0 ? 'UPSERT' : 'CREATE', 30, 300));
    expect(batchRecordChanges(changes)).toEqual(batchRecordChanges(changes));
  });
});
