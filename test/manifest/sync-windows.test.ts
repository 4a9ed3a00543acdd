// Sync windows (manifest/sync-windows.ts), evaluated at fixed instants: deny wins over allow,
// allow windows close everything outside them, the end of a window is exclusive, a window's
// schedule is read in its own time zone across a daylight-saving change, and the manifest
// rules point at the schedule, zone or duration to fix.
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../controller/manifest/duration.js';
import { closedMessage, evaluateSyncWindows } from '../../controller/manifest/sync-windows.js';
import { loadManifestText } from '../../controller/manifest/load.js';
import type { ManifestSyncWindow, SyncWindow } from '../../controller/manifest/types.js';
import { shopManifest, withTemplate } from './shop.js';

const windows = (...written: ManifestSyncWindow[]): SyncWindow[] => written.map((w) => ({ ...w, durationMs: parseDuration(w.duration)! }));
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

// Friday 2026-01-02 22:00 UTC to Monday 2026-01-05 10:00 UTC.
const weekend: ManifestSyncWindow = { kind: 'deny', schedule: '0 22 * * 5', duration: '60h', timeZone: 'UTC', description: 'weekend freeze' };
const officeHours: ManifestSyncWindow = { kind: 'allow', schedule: '0 9 * * 1-5', duration: '8h', timeZone: 'UTC', description: 'office hours' };
// 09:00 in Berlin: 08:00 UTC in winter (CET), 07:00 UTC from 2026-03-29 (CEST).
const berlinMorning: ManifestSyncWindow = { kind: 'deny', schedule: '0 9 * * *', duration: '1h', timeZone: 'Europe/Berlin', description: 'morning batch' };

describe('evaluateSyncWindows', () => {
  const cases: Array<{ name: string; windows: ManifestSyncWindow[]; now: string; open: boolean; opensAt?: string; closedBy?: string }> = [
    { name: 'no windows: always open', windows: [], now: '2026-01-03T12:00:00Z', open: true },
    { name: 'inside a deny window: closed until it ends', windows: [weekend], now: '2026-01-03T12:00:00Z', open: false, opensAt: '2026-01-05T10:00:00.000Z', closedBy: 'weekend freeze' },
    { name: 'at the first instant of a deny window: closed', windows: [weekend], now: '2026-01-02T22:00:00Z', open: false, opensAt: '2026-01-05T10:00:00.000Z' },
    { name: 'the end is exclusive: open at the instant it ends', windows: [weekend], now: '2026-01-05T10:00:00Z', open: true },
    { name: 'one millisecond before the end: closed', windows: [weekend], now: '2026-01-05T09:59:59.999Z', open: false, opensAt: '2026-01-05T10:00:00.000Z' },
    { name: 'before a deny window: open', windows: [weekend], now: '2026-01-02T21:59:59Z', open: true },
    { name: 'inside an allow window: open', windows: [officeHours], now: '2026-01-05T12:00:00Z', open: true },
    { name: 'outside every allow window: closed until the next one starts', windows: [officeHours], now: '2026-01-05T18:00:00Z', open: false, opensAt: '2026-01-06T09:00:00.000Z', closedBy: 'office hours' },
    { name: 'allow on Saturday inside the weekend deny: deny wins', windows: [weekend, { ...officeHours, schedule: '0 9 * * *' }], now: '2026-01-03T10:00:00Z', open: false, closedBy: 'weekend freeze', opensAt: '2026-01-05T10:00:00.000Z' },
    { name: 'overlapping allow and deny: opens when the deny ends inside the allow window', windows: [{ ...officeHours, schedule: '0 9 * * *' }, { kind: 'deny', schedule: '0 10 * * *', duration: '2h', timeZone: 'UTC' }], now: '2026-01-07T11:00:00Z', open: false, opensAt: '2026-01-07T12:00:00.000Z', closedBy: 'deny 0 10 * * * UTC' },
    { name: 'a deny that ends after the allow window: opens at the next allow window', windows: [officeHours, { kind: 'deny', schedule: '0 16 * * *', duration: '2h', timeZone: 'UTC' }], now: '2026-01-07T16:30:00Z', open: false, opensAt: '2026-01-08T09:00:00.000Z' },
    { name: 'back-to-back occurrences chain into one window', windows: [{ kind: 'deny', schedule: '0 0 * * *', duration: '24h', timeZone: 'UTC', description: 'always' }], now: '2026-01-07T16:30:00Z', open: false, closedBy: 'always' },
    { name: 'Berlin 09:00 before the DST change is 08:00 UTC', windows: [berlinMorning], now: '2026-03-27T08:30:00Z', open: false, opensAt: '2026-03-27T09:00:00.000Z' },
    { name: 'Berlin 09:00 after the DST change is 07:00 UTC', windows: [berlinMorning], now: '2026-03-30T07:30:00Z', open: false, opensAt: '2026-03-30T08:00:00.000Z' },
    { name: 'after the DST change 08:30 UTC is 10:30 in Berlin: open', windows: [berlinMorning], now: '2026-03-30T08:30:00Z', open: true },
    // Friday 22:00 CEST is 20:00 UTC; 60 real hours later is Monday 08:00 UTC, 09:00 CET (a wall-clock 10:00 would be 61 hours).
    { name: 'a 60h window across the autumn change lasts 60 real hours', windows: [{ ...weekend, timeZone: 'Europe/Berlin' }], now: '2026-10-25T12:00:00Z', open: false, opensAt: '2026-10-26T08:00:00.000Z' },
  ];
  it.each(cases)('$name', ({ windows: written, now, open, opensAt, closedBy }) => {
    const verdict = evaluateSyncWindows(windows(...written), at(now));
    expect(verdict.open).toBe(open);
    if (!open) {
      expect(iso(verdict.opensAt)).toBe(opensAt);
      if (closedBy) expect(closedMessage(verdict)).toContain(`'${closedBy}'`);
    }
  });

  it('reports each window with whether it is active and when it next changes', () => {
    const verdict = evaluateSyncWindows(windows(weekend, officeHours), at('2026-01-03T12:00:00Z'));
    expect(verdict.windows.map((w) => [w.window.kind, w.active, iso(w.nextChange)])).toEqual([
      ['deny', true, '2026-01-05T10:00:00.000Z'],
      ['allow', false, '2026-01-05T09:00:00.000Z'],
    ]);
    expect(closedMessage(verdict)).toBe("deny window 'weekend freeze' until 2026-01-05T10:00:00.000Z");
  });

  it('a window that never ends within a year says so', () => {
    const verdict = evaluateSyncWindows(windows({ kind: 'deny', schedule: '* * * * *', duration: '1h', timeZone: 'UTC' }), at('2026-01-01T00:00:00Z'));
    expect(verdict.open).toBe(false);
    expect(verdict.opensAt).toBeUndefined();
    expect(closedMessage(verdict)).toBe("deny window 'deny * * * * * UTC' with no opening within a year");
  });
});

describe('syncWindows in the manifest', () => {
  const manifest = (lines: string) => `${shopManifest('{ name: api.example.com., routing: latency, target: ApiDomainName }', '    eu-west-1: {}\n    us-east-2: {}')}  syncWindows:\n${lines}`;

  it('normalises the windows with the duration in milliseconds', async () => {
    const result = await loadManifestText(manifest('    - { kind: deny, schedule: "0 22 * * 5", duration: 1h30m, timeZone: Europe/Berlin, description: weekend }\n'), 'repo/regions.yaml', withTemplate);
    expect(result.ok && result.value.syncWindows).toEqual([{ kind: 'deny', schedule: '0 22 * * 5', duration: '1h30m', durationMs: 5_400_000, timeZone: 'Europe/Berlin', description: 'weekend' }]);
  });

  it('points at a bad schedule, an unknown time zone, a zero duration and a missing time zone, each with the next step', async () => {
    const result = await loadManifestText(
      manifest(
        [
          '    - { kind: deny, schedule: "0 22 * *", duration: 1h, timeZone: UTC }',
          '    - { kind: deny, schedule: "0 25 * * *", duration: 1h, timeZone: UTC }',
          '    - { kind: allow, schedule: "0 9 * * 1-5", duration: 8h, timeZone: Europe/Berlln }',
          '    - { kind: deny, schedule: "0 9 * * *", duration: 0s, timeZone: UTC }',
          '    - { kind: deny, schedule: "0 9 * * *", duration: 1h }',
          '',
        ].join('\n'),
      ),
      'repo/regions.yaml',
      withTemplate,
    );
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors.map((e) => `${e.line}:${e.column} ${e.rule}: ${e.message}`);
    expect(errors).toContain('19:7 missing-key: spec.syncWindows[4] is missing the required key "timeZone"; add it, for example timeZone: Europe/Berlin');
    // Schema errors stop the semantic rules: the file is checked again without the last window.
    const semantic = await loadManifestText(manifest(['    - { kind: deny, schedule: "0 22 * *", duration: 1h, timeZone: UTC }', '    - { kind: deny, schedule: "0 25 * * *", duration: 1h, timeZone: UTC }', '    - { kind: allow, schedule: "0 9 * * 1-5", duration: 8h, timeZone: Europe/Berlln }', '    - { kind: deny, schedule: "0 9 * * *", duration: 0s, timeZone: UTC }', ''].join('\n')), 'repo/regions.yaml', withTemplate);
    const messages = semantic.ok ? [] : semantic.errors.map((e) => `${e.line}:${e.column} ${e.rule}: ${e.message}`);
    expect(messages).toEqual([
      '15:31 sync-window-schedule: syncWindows[0].schedule "0 22 * *" has 4 fields; write five cron fields, minute hour day-of-month month day-of-week, such as "0 22 * * 5" (Fridays 22:00)',
      expect.stringMatching(/^16:31 sync-window-schedule: syncWindows\[1\]\.schedule "0 25 \* \* \*" is not valid \(.*expected range 0-23\); write five cron fields/),
      '17:71 sync-window-time-zone: syncWindows[2].timeZone "Europe/Berlln" is not an IANA time zone this runtime knows; write one such as Europe/Berlin, America/New_York or UTC',
      '18:54 sync-window-duration: syncWindows[3].duration is 0s, so the window would never be active; give it a length such as 1h or 2h30m',
    ]);
  });
});
