// Issue #11, item 7b on AWS wire shapes: the scan that rebuilds a lost inventory lists a
// region's stacks with DescribeStacks without a name, over HTTP against moto_server (as in
// test/aws/stacks.moto.test.ts), and keeps those tagged with the RegionSet.

import { expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { AwsClients } from '../../controller/providers/aws/clients.js';
import { AwsStackProvider } from '../../controller/providers/aws/stacks.js';
import { useMoto } from '../support/moto.js';

const REGION = 'us-west-2';
let stacks: AwsStackProvider;
useMoto((moto) => {
  const clients = new AwsClients({ endpointUrl: moto.endpoint });
  stacks = new AwsStackProvider({ clients, clock: new FakeClock(), changeSetPollMs: 100 });
  return () => clients.destroy();
});

it('finds only the stacks tagged with the RegionSet, whatever their name, and nothing in an empty region', async () => {
  const template = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Logs:\n    Type: AWS::Logs::LogGroup\n";
  const create = (name: string, tags: Record<string, string>) =>
    stacks.create({ region: REGION, name, templateBody: template, parameters: {}, capabilities: [], tags, terminationProtection: false, clientToken: `rc-${name}` });
  await create('global-api', { 'regionctl:regionset': 'global-api' });
  await create('global-api-old', { 'regionctl:regionset': 'global-api', team: 'payments' });
  await create('team-b', { 'regionctl:regionset': 'team-b' });
  await create('billing', { team: 'billing' });

  const found = await stacks.listByTag(REGION, 'regionctl:regionset', 'global-api');
  expect(found.map((s) => [s.region, s.name, s.status])).toEqual([
    [REGION, 'global-api', 'CREATE_COMPLETE'],
    [REGION, 'global-api-old', 'CREATE_COMPLETE'],
  ]);
  expect(found[1]!.tags).toMatchObject({ 'regionctl:regionset': 'global-api', team: 'payments' });
  expect(await stacks.listByTag('eu-central-2', 'regionctl:regionset', 'global-api')).toEqual([]);
});
