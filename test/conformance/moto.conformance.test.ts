// Every conformance case that moto 5.2.5 emulates, replayed through the real SDK against a
// moto server. Where moto departs from AWS the case says `moto: { false: why }` and runs on the
// sandbox only: AWS's outcome is never weakened to fit moto.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startMoto, type Moto } from '../support/moto.js';
import { allCases } from './cases/index.js';
import { sdkTarget, type SdkTarget } from './moto-target.js';
import { runCase } from './runner.js';

let moto: Moto;
let target: SdkTarget;

beforeAll(async () => {
  moto = await startMoto();
  target = sdkTarget(moto.endpoint);
});

afterAll(async () => {
  target?.destroy();
  await moto?.stop();
});

describe('conformance on moto', () => {
  for (const testCase of allCases.filter((each) => each.moto === true)) {
    it(`${testCase.id}: ${testCase.title}`, async () => {
      await runCase(target, testCase);
    });
  }
});
