// Issue 12 item 8 end to end: `regionctl apply` on a sandbox state file whose first
// ChangeResourceRecordSets takes effect but loses its answer (a timeout). The adapter re-reads
// the zone instead of sending the CREATE again (which Route 53 would refuse as "already
// exists", r53.create-existing-record): apply succeeds and the next diff is clean.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { writeStateFile } from '../../controller/providers/sandbox/statefile.js';
import { cliWorkspace } from '../support/cli.js';

const { manifest, state, regionctl, cloud: loadCloud } = cliWorkspace('regionctl-answer-lost-');

describe('a record change whose answer is lost', () => {
  it('is not sent twice: apply succeeds and the next diff is clean', () => {
    // A fresh account whose first record change loses its answer (zone and table are seeded by the CLI).
    const cloud = new SandboxCloud({ clock: new FakeClock(Date.parse('2026-01-01T00:00:00Z')) });
    cloud.faults.answerLost('ChangeResourceRecordSets');
    writeStateFile(state, cloud.toJSON());

    const apply = regionctl('apply', manifest, '--yes');
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);

    // The fault fired (a blind resend of the lost CREATE would have failed the apply).
    expect(loadCloud().faults.list()).toEqual([]);

    const diff = regionctl('diff', manifest, '--detailed-exitcode');
    expect(diff.stdout).toMatch(/^No changes\.$/m);
    expect(diff.code).toBe(0);
  });
});
