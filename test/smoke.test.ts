import { describe, expect, it } from 'vitest';
import { FakeClock } from '../controller/clock.js';

describe('FakeClock', () => {
  it('wakes parallel sleepers in time order without real waiting', async () => {
    const clock = new FakeClock(0);
    const woke: string[] = [];
    await Promise.all([
      clock.sleep(5 * 60_000).then(() => woke.push(`b@${clock.now()}`)),
      clock.sleep(60_000).then(() => woke.push(`a@${clock.now()}`)),
    ]);
    expect(woke).toEqual(['a@60000', 'b@300000']);
  });
});
