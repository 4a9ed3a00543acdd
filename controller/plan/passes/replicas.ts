// DynamoDB global-table replicas: one per table in every manifest region; a leaving region's
// replica is deleted only with removeReplicas (after its stack, see order.ts).

import { StepList, type Pass } from '../context.js';

export const replicasPass: Pass = (context) => {
  const list = new StepList();
  const notes: string[] = [];
  const replicaReady = new Map<string, string[]>();
  const regions = [...context.regions.keys()];
  for (const region of regions) replicaReady.set(region, []);
  const sorted = [...regions].sort();
  for (const table of context.desired.tables) {
    const liveTable = context.live.tables[table.name];
    if (!liveTable) continue; // refused by the guardrails (table-not-ready)
    for (const region of sorted) {
      const replica = liveTable.replicas.find((r) => r.region === region);
      if (replica && replica.status !== 'CREATING' && replica.status !== 'DELETING') continue;
      // ACTIVE and UPDATING serve data; CREATION_FAILED and the rest are refused by the guardrails.
      // CREATING: started by an earlier run; the step sends nothing new and waits for ACTIVE.
      const reason = !replica
        ? `no replica of ${table.name} in ${region}`
        : replica.status === 'CREATING'
          ? `replica of ${table.name} is CREATING: wait for it to be ACTIVE`
          : `replica of ${table.name} is being deleted: add it again once it is gone`;
      const id = list.add({
        id: `${region}:replica.create:${table.name}`,
        action: 'replica.create',
        region,
        resource: `replica:${table.name}:${region}`,
        reason,
        ...(replica ? { before: { status: replica.status } } : {}),
        after: { status: 'ACTIVE' },
        payload: { kind: 'replica', table: table.name, region, ...(liveTable.customerKmsKeyArn && table.kmsKeys[region] ? { kmsKeyId: table.kmsKeys[region] } : {}) },
      });
      replicaReady.get(region)!.push(id);
    }
    for (const region of context.leaving) {
      const replica = liveTable.replicas.find((r) => r.region === region);
      if (!replica) continue;
      if (!table.removeReplicas) {
        notes.push(`replica ${table.name} in ${region} kept: removeReplicas is false`);
        continue;
      }
      list.add({
        id: `${region}:replica.delete:${table.name}`,
        action: 'replica.delete',
        region,
        resource: `replica:${table.name}:${region}`,
        reason: `region left the manifest and ${table.name} has removeReplicas: true (deletes that region's copy of the items)`,
        before: { status: replica.status },
        payload: { kind: 'replica', table: table.name, region },
      });
    }
  }
  return { steps: list.steps, notes, facts: { replicaReady } };
};
