// Credentials AWS rejects (expired session, unknown key, wrong secret) as a user meets them:
// the built CLI against a loopback endpoint that answers every call as AWS does for such
// credentials. One line naming where the credentials came from and the next step, exit 1,
// no stack trace, and never the secret.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { MOTO_STAND_IN_TEMPLATE, threeRegionManifest } from './budget.js';

const SECRET = 'wJalrXUtnFEMI-secret-do-not-print';
const SESSION = 'FwoGZXIvYXdzE-session-token-do-not-print';
let dir: string;
let manifest: string;
let server: Server;
let endpoint: string;
/** The error code every call is answered with. */
let code = 'ExpiredToken';

const MESSAGES: Record<string, string> = {
  ExpiredToken: 'The security token included in the request is expired',
  InvalidClientTokenId: 'The security token included in the request is invalid.',
  SignatureDoesNotMatch: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
  UnrecognizedClientException: 'The security token included in the request is invalid.',
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'regionctl-credentials-'));
  mkdirSync(join(dir, 'stacks'));
  writeFileSync(join(dir, 'stacks/regional-api.yaml'), MOTO_STAND_IN_TEMPLATE);
  manifest = join(dir, 'global-api.yaml');
  writeFileSync(manifest, threeRegionManifest({ tables: true }));
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      // DynamoDB speaks JSON (x-amz-target); CloudFormation and Route 53 answer errors in XML.
      if (request.headers['x-amz-target']) {
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': code });
        response.end(JSON.stringify({ __type: `com.amazon.coral.service#${code}`, message: MESSAGES[code] }));
        return;
      }
      response.writeHead(403, { 'content-type': 'text/xml' });
      response.end(`<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${MESSAGES[code]}</Message></Error><RequestId>1</RequestId></ErrorResponse>`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function diff(env: Record<string, string | undefined>, ...args: string[]) {
  return runCli(['diff', manifest, '--endpoint-url', endpoint, '--max-attempts', '1', ...args], {
    env: { AWS_ENDPOINT_URL: undefined, AWS_PROFILE: undefined, AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', ...env },
  });
}

describe('credentials AWS rejects', () => {
  const keys = { AWS_ACCESS_KEY_ID: 'AKIAREJECTED', AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: SESSION };

  for (const rejected of Object.keys(MESSAGES)) {
    it(`${rejected}: one line naming the variables the keys came from and what to do, without the secret`, async () => {
      code = rejected;
      const run = await diff(keys);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(new RegExp(`^regionctl diff: AWS rejected the credentials of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in [a-z0-9-]+ \\(${rejected}: `));
      expect(run.stderr).toMatch(rejected === 'ExpiredToken' ? /Next: the session expired: get new credentials/ : /Next: check the keys of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY \(`aws configure`\)/);
      for (const secret of [SECRET, SESSION]) expect(run.stderr).not.toContain(secret);
    });
  }

  it("an expired SSO profile: names the profile and `aws sso login --profile` for it", async () => {
    code = 'ExpiredToken';
    writeFileSync(join(dir, 'credentials'), `[sso-dev]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = ${SECRET}\n`);
    writeFileSync(join(dir, 'config'), '[profile sso-dev]\n');
    const run = await diff(
      { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_CONFIG_FILE: join(dir, 'config') },
      '--profile',
      'sso-dev',
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^regionctl diff: AWS rejected the credentials of profile "sso-dev" \(--profile\) in [a-z0-9-]+ \(ExpiredToken: .*Next: the session expired: `aws sso login --profile sso-dev`/);
    expect(run.stderr).not.toContain(SECRET);
  });
});
