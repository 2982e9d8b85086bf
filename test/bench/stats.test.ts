import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pairedRatios, quantile, ratioOfMedians, round, summarize } from '../../bench/stats.ts';

test('summarize gives median, extremes and quartiles whatever the sample order', () => {
  const s = summarize([9, 1, 7, 3, 5]);
  assert.deepEqual(s, { n: 5, median: 5, min: 1, max: 9, q1: 3, q3: 7 });
  // An even count interpolates between the middle two.
  assert.equal(summarize([4, 1, 3, 2]).median, 2.5);
  assert.equal(summarize([42]).median, 42);
});

test('quantile interpolates linearly between order statistics', () => {
  const sorted = [10, 20, 30, 40];
  assert.equal(quantile(sorted, 0), 10);
  assert.equal(quantile(sorted, 1), 40);
  assert.equal(quantile(sorted, 0.5), 25);
  assert.ok(Math.abs(quantile(sorted, 0.95) - 38.5) < 1e-9);
  assert.throws(() => quantile([], 0.5), RangeError);
  assert.throws(() => quantile(sorted, 1.5), RangeError);
});

test('bad samples are refused rather than summarized', () => {
  assert.throws(() => summarize([]), RangeError);
  assert.throws(() => summarize([1, Number.NaN]), RangeError);
});

test('paired ratios divide repetition by repetition; ratioOfMedians brackets the unpaired case', () => {
  assert.deepEqual(pairedRatios([2, 9, 4], [1, 3, 8]), [2, 3, 0.5]);
  assert.throws(() => pairedRatios([1], [1, 2]), RangeError);
  const r = ratioOfMedians([6, 2, 4], [1, 2, 4]);
  assert.equal(r.median, 2);
  assert.equal(r.min, 0.5);
  assert.equal(r.max, 6);
});

test('round keeps significant digits and passes non-finite values through', () => {
  assert.equal(round(123456, 3), 123000);
  assert.equal(round(0.0012345, 2), 0.0012);
  assert.equal(round(0.1 + 0.2, 3), 0.3);
  assert.ok(Number.isNaN(round(Number.NaN)));
});
