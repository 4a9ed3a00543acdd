// add-region / drain-region / remove-region through the built CLI, in a throwaway git
// repository holding copies of the examples: what a reviewer sees is `git diff`, so the
// tests assert with git that exactly one line changed, that everything else (comments,
// alignment, order) is untouched, and that refused edits leave the file byte for byte.
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCliSync } from '../support/cli.js';
import { gitSync } from '../support/git-server.js';

const EXAMPLES = ['global-api.yaml', 'weighted.yaml', 'failover.yaml', 'geolocation.yaml'];
let repo: string;
let examplesCommit: string;

function regionctl(...args: string[]) {
  return runCliSync(args, { cwd: repo });
}

function git(...args: string[]): string {
  return gitSync(args, repo);
}

/** `git diff --numstat` of one file as "added removed". */
function numstat(file: string): string {
  const [added, removed] = git('diff', '--numstat', '--', file).trim().split('\t');
  return `${added} ${removed}`;
}

/** The + and - lines of `git diff -U0`, without the headers. */
function changedLines(file: string): string[] {
  return git('diff', '-U0', '--', file)
    .split('\n')
    .filter((line) => /^[+-]/.test(line) && !/^(\+\+\+|---) /.test(line));
}

const read = (file: string) => readFileSync(join(repo, file), 'utf8');

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'regionctl-edit-'));
  for (const file of EXAMPLES) cpSync(join('manifests', file), join(repo, file));
  cpSync('manifests/stacks', join(repo, 'stacks'), { recursive: true });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'examples');
  examplesCommit = git('rev-parse', 'HEAD').trim();
}, 120_000);

afterAll(() => rmSync(repo, { recursive: true, force: true }));

// Every test starts from the committed examples (some tests commit a step of their own).
beforeEach(() => {
  git('reset', '-q', '--hard', examplesCommit);
  git('clean', '-qfd');
});

describe('add-region', () => {
  it('adds one line to the three-region example, and the result validates', () => {
    const run = regionctl('add-region', 'global-api.yaml', 'sa-east-1');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('global-api.yaml:32: + sa-east-1: {}\nNext: regionctl diff global-api.yaml shows what apply would do.\n');
    expect(numstat('global-api.yaml')).toBe('1 0');
    expect(changedLines('global-api.yaml')).toEqual(['+    sa-east-1: {}']);
    expect(read('global-api.yaml').endsWith('    ap-southeast-1: {}\n    sa-east-1: {}\n')).toBe(true);
    expect(regionctl('validate', 'global-api.yaml').code).toBe(0);
  });

  it('writes --weight as a flow mapping like its siblings', () => {
    const run = regionctl('add-region', 'weighted.yaml', 'sa-east-1', '--weight', '50');
    expect(run.code).toBe(0);
    expect(changedLines('weighted.yaml')).toEqual(['+    sa-east-1: { weight: 50 }']);
    expect(regionctl('validate', 'weighted.yaml').code).toBe(0);
  });

  it('goes in sorted position when the regions are listed sorted', () => {
    const text = read('global-api.yaml').replace(
      '    eu-west-1: {}\n    us-east-2: {}\n    ap-southeast-1: {}\n',
      '    ap-southeast-1: {}\n    eu-west-1: {}\n    us-east-2: {}\n',
    );
    writeFileSync(join(repo, 'global-api.yaml'), text);
    git('commit', '-q', '-am', 'sorted regions');

    expect(regionctl('add-region', 'global-api.yaml', 'sa-east-1').code).toBe(0);
    expect(numstat('global-api.yaml')).toBe('1 0');
    expect(read('global-api.yaml')).toContain('    eu-west-1: {}\n    sa-east-1: {}\n    us-east-2: {}\n');
  });

  it('keeps the file mode and leaves no temporary file behind', () => {
    chmodSync(join(repo, 'global-api.yaml'), 0o640);
    expect(regionctl('add-region', 'global-api.yaml', 'sa-east-1').code).toBe(0);
    expect(statSync(join(repo, 'global-api.yaml')).mode & 0o777).toBe(0o640);
    expect(readdirSync(repo).filter((name) => name.includes('.tmp'))).toEqual([]);
  });
});

describe('drain-region', () => {
  it('changes the region line to state: drained', () => {
    const run = regionctl('drain-region', 'global-api.yaml', 'eu-west-1');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      'global-api.yaml:29: - eu-west-1: {}\nglobal-api.yaml:29: + eu-west-1: { state: drained }\nNext: regionctl diff global-api.yaml shows what apply would do.\n',
    );
    expect(numstat('global-api.yaml')).toBe('1 1');
    expect(changedLines('global-api.yaml')).toEqual(['-    eu-west-1: {}', '+    eu-west-1: { state: drained }']);
    expect(regionctl('validate', 'global-api.yaml').code).toBe(0);
  });

  it('merges into an existing flow mapping and keeps the trailing comment in its column', () => {
    // Three active regions first, so that draining one keeps minHealthyRegions (2).
    expect(regionctl('add-region', 'weighted.yaml', 'sa-east-1').code).toBe(0);
    git('commit', '-q', '-am', 'third region');

    expect(regionctl('drain-region', 'weighted.yaml', 'us-east-1').code).toBe(0);
    expect(numstat('weighted.yaml')).toBe('1 1');
    expect(changedLines('weighted.yaml')).toEqual([
      '-    us-east-1: { weight: 200 }             # twice the traffic of us-west-2',
      '+    us-east-1: { weight: 200, state: drained } # twice the traffic of us-west-2',
    ]);
  });

  it('replaces an existing state value', () => {
    expect(regionctl('drain-region', 'weighted.yaml', 'eu-central-1').code).toBe(0);
    expect(changedLines('weighted.yaml')).toEqual([
      '-    eu-central-1: { state: standby }       # deployed, takes no traffic yet',
      '+    eu-central-1: { state: drained }       # deployed, takes no traffic yet',
    ]);
  });
});

describe('remove-region', () => {
  it("deletes exactly the region's line", () => {
    const run = regionctl('remove-region', 'global-api.yaml', 'ap-southeast-1');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('global-api.yaml:31: - ap-southeast-1: {}\nNext: regionctl diff global-api.yaml shows what apply would do.\n');
    expect(numstat('global-api.yaml')).toBe('0 1');
    expect(changedLines('global-api.yaml')).toEqual(['-    ap-southeast-1: {}']);
  });

  it('removes all lines of a block mapping and says so', () => {
    const run = regionctl('remove-region', 'failover.yaml', 'us-west-2');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('(us-west-2 was a block mapping: its 5 lines were removed)\n');
    expect(numstat('failover.yaml')).toBe('0 5');
    expect(regionctl('validate', 'failover.yaml').code).toBe(0);
  });
});

describe('refusals change nothing and say why', () => {
  const refusals: Array<{ name: string; file: string; args: string[]; stderr: string }> = [
    {
      name: 'an unknown region code, with "did you mean" (checked before the file is read: the code is written into YAML)',
      file: 'global-api.yaml',
      args: ['add-region', 'global-api.yaml', 'sa-eest-1'],
      stderr: 'regionctl add-region: "sa-eest-1" is not an AWS region code; did you mean sa-east-1?\nglobal-api.yaml was not changed.\n',
    },
    {
      name: 'a region that is already listed',
      file: 'global-api.yaml',
      args: ['add-region', 'global-api.yaml', 'eu-west-1'],
      stderr: 'regionctl add-region: eu-west-1 is already listed in spec.regions (line 29); edit that line, or use drain-region or remove-region\nglobal-api.yaml was not changed.\n',
    },
    {
      name: 'a weight out of range',
      file: 'weighted.yaml',
      args: ['add-region', 'weighted.yaml', 'sa-east-1', '--weight', '300'],
      stderr: 'regionctl add-region: --weight must be a whole number from 0 to 255 such as 100 (got "300")\n',
    },
    {
      name: 'draining below minHealthyRegions',
      file: 'weighted.yaml',
      args: ['drain-region', 'weighted.yaml', 'us-east-1'],
      stderr:
        'regionctl drain-region: the edited manifest would not validate (line numbers as they would be after the edit):\n' +
        '  weighted.yaml:28:24: error[too-few-active-regions]: 1 region is active (us-west-2) but rollout.minHealthyRegions is 2; set state: active on more regions or lower minHealthyRegions\n' +
        'weighted.yaml was not changed.\n',
    },
    {
      name: 'draining a region that is not listed',
      file: 'global-api.yaml',
      args: ['drain-region', 'global-api.yaml', 'us-east-1'],
      stderr:
        'regionctl drain-region: us-east-1 is not listed in spec.regions; did you mean us-east-2? (listed: eu-west-1, us-east-2, ap-southeast-1)\nglobal-api.yaml was not changed.\n',
    },
    {
      name: 'removing a region that is not listed',
      file: 'global-api.yaml',
      args: ['remove-region', 'global-api.yaml', 'sa-east-1'],
      stderr: 'regionctl remove-region: sa-east-1 is not listed in spec.regions (listed: eu-west-1, us-east-2, ap-southeast-1)\nglobal-api.yaml was not changed.\n',
    },
    {
      name: 'removing a region below minHealthyRegions',
      file: 'weighted.yaml',
      args: ['remove-region', 'weighted.yaml', 'us-west-2'],
      stderr:
        'regionctl remove-region: the edited manifest would not validate (line numbers as they would be after the edit):\n' +
        '  weighted.yaml:28:24: error[too-few-active-regions]: 1 region is active (us-east-1) but rollout.minHealthyRegions is 2; set state: active on more regions or lower minHealthyRegions\n' +
        'weighted.yaml was not changed.\n',
    },
  ];

  it.each(refusals)('$name', ({ file, args, stderr }) => {
    const before = read(file);
    const run = regionctl(...args);
    expect(run.stderr).toBe(stderr);
    expect(run.stdout).toBe('');
    expect(run.code).toBe(1);
    expect(read(file)).toBe(before);
  });

  it('draining twice: the second run refuses and the file keeps the first edit', () => {
    expect(regionctl('drain-region', 'failover.yaml', 'us-west-2').code).toBe(0);
    const drained = read('failover.yaml');
    const again = regionctl('drain-region', 'failover.yaml', 'us-west-2');
    expect(again.stderr).toBe('regionctl drain-region: us-west-2 is already drained (state: drained)\nfailover.yaml was not changed.\n');
    expect(again.code).toBe(1);
    expect(read('failover.yaml')).toBe(drained);
  });

  it('--help explains where each edit goes', () => {
    const add = regionctl('add-region', '--help');
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('in sorted position when they are sorted, else last');
    const drain = regionctl('drain-region', '--help');
    expect(drain.code).toBe(0);
    expect(drain.stdout).toContain(`"state: drained" is merged into the region's line, its comment kept`);
  });

  it('a missing REGION is a usage error', () => {
    const run = regionctl('add-region', 'global-api.yaml');
    expect(run.stderr).toBe('regionctl add-region: expected FILE and REGION: regionctl add-region FILE REGION [--weight N]\n');
    expect(run.code).toBe(1);
  });
});

describe('every example in manifests/', () => {
  // What each edit does to each example, as git counts it ("added removed"), or the rule
  // the loader refuses the result with (routing that needs more than one line per region).
  const cases: Array<[file: string, args: string[], expected: string]> = [
    ['global-api.yaml', ['add-region', 'sa-east-1'], '1 0'],
    ['global-api.yaml', ['drain-region', 'eu-west-1'], '1 1'],
    ['global-api.yaml', ['remove-region', 'ap-southeast-1'], '0 1'],
    ['weighted.yaml', ['add-region', 'sa-east-1', '--weight', '50'], '1 0'],
    ['weighted.yaml', ['drain-region', 'eu-central-1'], '1 1'],
    ['weighted.yaml', ['remove-region', 'eu-central-1'], '0 1'],
    ['failover.yaml', ['add-region', 'sa-east-1'], 'refused: failover-missing-role'],
    ['failover.yaml', ['drain-region', 'us-west-2'], '1 1'],
    ['failover.yaml', ['remove-region', 'us-west-2'], '0 5'],
    ['geolocation.yaml', ['add-region', 'sa-east-1'], 'refused: geolocation-no-location'],
    ['geolocation.yaml', ['drain-region', 'ap-southeast-2'], '1 0'],
    ['geolocation.yaml', ['remove-region', 'ap-southeast-2'], '0 2'],
  ];

  it.each(cases)('%s: %j → %s', (file, [command, ...rest], expected) => {
    const before = read(file);
    const run = regionctl(command!, file, ...rest);
    if (expected.startsWith('refused: ')) {
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`error[${expected.slice('refused: '.length)}]`);
      expect(read(file)).toBe(before);
      return;
    }
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(numstat(file)).toBe(expected);
    // Every comment of the original is still there (but those on a removed line).
    const removed = new Set(changedLines(file).filter((line) => line.startsWith('-')).map((line) => line.slice(1)));
    const comments = before
      .split('\n')
      .filter((line) => line.includes('#') && !removed.has(line))
      .map((line) => line.slice(line.indexOf('#')));
    for (const comment of comments) expect(read(file)).toContain(comment);
    expect(regionctl('validate', file).code).toBe(0);
  });
});
