import { formatDuration, parseDuration } from '../../actions/src/core/duration';
import { ConfigurationError } from '../../actions/src/core/errors';

describe('parseDuration', () => {
  it.each<[string, number]>([
    ['15m', 900_000],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1m30s', 90_000],
    ['1.5m', 90_000],
    ['2h', 7_200_000],
    [' 10m ', 600_000],
  ])('reads %j as %i ms', (text, ms) => {
    expect(parseDuration(text, 'timeout')).toBe(ms);
  });

  it.each(['10', '30', '0', '00', '1.5'])(
    'refuses the bare number %j rather than guessing its unit (10 s? 10 min?)',
    (text) => {
      expect(() => parseDuration(text, 'timeout')).toThrow(
        new ConfigurationError(
          `timeout: "${text}" has no unit; write it with one, e.g. ${text}s or ${text}m`,
        ),
      );
    },
  );

  it.each(['', '   ', 'soon', '15 m', '15min', '-5m', 'm', '1d', '0s', '10m5'])(
    'rejects %j naming the input and the expected format',
    (text) => {
      expect(() => parseDuration(text, 'timeout')).toThrow(
        new ConfigurationError(
          `timeout: "${text}" is not a duration; use a number with a unit, e.g. 15m, 90s, 1h30m`,
        ),
      );
    },
  );

  it('throws a ConfigurationError (exit 2), not a plain Error', () => {
    expect(() => parseDuration('later', 'settle')).toThrow(ConfigurationError);
  });
});

describe('formatDuration', () => {
  it.each<[number, string]>([
    [0, '0s'],
    [400, '0s'],
    [59_000, '59s'],
    [59_600, '1m'],
    [60_000, '1m'],
    [90_000, '1m30s'],
    [900_000, '15m'],
    [3_600_000, '1h'],
    [5_400_000, '1h30m'],
    [3_605_000, '1h5s'],
    [94_003_000, '26h6m43s'],
  ])('formats %i ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips the durations users write', () => {
    for (const text of ['15m', '90s', '5m', '45s', '1h30m', '2h']) {
      expect(formatDuration(parseDuration(text, 'timeout'))).toBe(text === '90s' ? '1m30s' : text);
    }
  });
});

describe('parseDuration bounds', () => {
  it.each(['600h', '1200h', '99999999999h'])(
    'refuses %s: longer than Node timers can wait',
    (text) => {
      expect(() => parseDuration(text, 'timeout')).toThrow(/longer than the maximum of 24 days/);
    },
  );
  it('accepts the maximum itself', () => {
    expect(parseDuration('576h', 'timeout')).toBe(576 * 3600 * 1000);
  });
});
