import { describe, expect, it } from 'vitest';
import { handleManualTrigger } from '../../handlers/trigger.js';

const TOKEN = 'trigger-token-0123456789';
const config = { token: TOKEN };

describe('manual trigger', () => {
  it('is disabled (404) when no token is configured, whatever the request carries', () => {
    expect(handleManualTrigger({ authorization: `Bearer ${TOKEN}` }, {})).toEqual({ status: 404, body: { error: 'manual trigger is disabled: no trigger token is configured' } });
    expect(handleManualTrigger({}, { token: '' }).status).toBe(404);
  });

  it('accepts the configured bearer token and triggers every RegionSet', () => {
    expect(handleManualTrigger({ Authorization: `Bearer ${TOKEN}` }, config)).toEqual({ status: 202, body: { accepted: true, regionSet: 'all' }, trigger: { source: 'manual' } });
    expect(handleManualTrigger({ authorization: `bearer ${TOKEN}` }, config).status).toBe(202);
  });

  it('passes on the RegionSet asked for with ?regionSet=', () => {
    expect(handleManualTrigger({ authorization: `Bearer ${TOKEN}` }, config, '/trigger?regionSet=global-api')).toEqual({
      status: 202,
      body: { accepted: true, regionSet: 'global-api' },
      trigger: { source: 'manual', regionSet: 'global-api' },
    });
    expect(handleManualTrigger({ authorization: `Bearer ${TOKEN}` }, config, new URLSearchParams({ regionSet: 'orders' })).trigger).toEqual({ source: 'manual', regionSet: 'orders' });
    expect(handleManualTrigger({ authorization: `Bearer ${TOKEN}` }, config, '?regionSet=../etc')).toMatchObject({ status: 400 });
  });

  it('refuses a missing, malformed or wrong token with 401 and no trigger', () => {
    const cases = [{}, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }, { authorization: 'Bearer ' }, { authorization: `Bearer ${TOKEN}x` }, { authorization: `Bearer ${TOKEN.slice(0, -1)}` }, { authorization: [`Bearer ${TOKEN}`, 'Bearer other'] }];
    for (const headers of cases) {
      const decision = handleManualTrigger(headers, config);
      expect(decision.status).toBe(401);
      expect(decision.trigger).toBeUndefined();
      expect(JSON.stringify(decision)).not.toContain(TOKEN);
    }
  });
});
