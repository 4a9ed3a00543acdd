// Cold-start floor of `regionctl diff` against AWS: yaml and ajv plus the three AWS SDK
// clients, each imported and constructed, bundled like the CLI
// (test/bench/cold-start.bench.ts builds it with scripts/bundle.ts's options).
import * as yaml from 'yaml';
import Ajv from 'ajv';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Route53Client } from '@aws-sdk/client-route-53';

if (typeof yaml.parseDocument !== 'function' || typeof Ajv !== 'function') process.exitCode = 1;
for (const Client of [CloudFormationClient, DynamoDBClient, Route53Client]) new Client({ region: 'us-east-1' }).destroy();
