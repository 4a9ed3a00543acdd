// Secrets given to the controller never reach the log output, whichever way they travel:
// a credential-named field, a header, an error message, a free-text message.
import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED } from '../../controller/runtime/logger.js';
import { captureLines } from './helpers.js';

const TOKEN = 'ghp_R3gionctlT0kenNeverLogged';
const WEBHOOK_SECRET = 'whsec-"quoted"\\-secret';

describe('createLogger', () => {
  it('redacts credential fields and headers, and scrubs configured secrets from messages and errors', () => {
    const out = captureLines();
    const log = createLogger({ destination: out.stream, secrets: [TOKEN, WEBHOOK_SECRET, undefined] });
    const child = log.child({ reconcileId: 'r1', revision: 'abc', regionSet: 'global-api' }).child({ region: 'eu-west-1', step: 'eu-west-1:stack.create' });

    child.info({ token: 'some-other-token', signature: 'sha256=deadbeef', config: { secret: 'x', key: 'k', password: 'p' } }, 'fields');
    child.info({ headers: { authorization: `Bearer ${TOKEN}`, 'x-hub-signature-256': 'sha256=abc', 'x-gitlab-token': WEBHOOK_SECRET } }, 'headers');
    child.warn({ err: new Error(`fetch of https://x-access-token:${TOKEN}@github.com/org/repo.git failed`) }, 'sync failed');
    child.error(`a message quoting ${TOKEN} and ${WEBHOOK_SECRET}`);
    child.info({ url: `https://host/repo?token=${encodeURIComponent(TOKEN)}`, basic: Buffer.from(TOKEN).toString('base64') }, 'encoded forms');

    const text = out.text();
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('quoted');
    expect(text).not.toContain('some-other-token');
    expect(text).not.toContain('deadbeef');
    expect(text).not.toContain(Buffer.from(TOKEN).toString('base64'));

    const records = out.records();
    expect(records).toHaveLength(5);
    for (const record of records) {
      expect(record).toMatchObject({ name: 'regionctl', reconcileId: 'r1', revision: 'abc', regionSet: 'global-api', region: 'eu-west-1', step: 'eu-west-1:stack.create' });
    }
    expect(records[0]).toMatchObject({ token: REDACTED, signature: REDACTED, config: { secret: REDACTED, key: REDACTED, password: REDACTED } });
    expect((records[1]!['headers'] as Record<string, string>)['authorization']).toBe(REDACTED);
    expect((records[2]!['err'] as { message: string }).message).toContain(REDACTED);
    expect(records[3]!['msg']).toBe(`a message quoting ${REDACTED} and ${REDACTED}`);
  });
});
