// Issue 13, session 11: how broad can a Gaussian posterior be on four suits? Four clusters, one per quadrant,
// q(z|x) = N((±a, ±a), σ² I), a decoder that switches suit exactly at the axes, a sample in a wrong quadrant costing
// C nats. Grid search of KL(q ‖ N(0, I)) + C·P(wrong quadrant) over a and σ. No training; instant.
// Usage: npx tsx docs/experiments/rvae-decoder/quadrants.ts
function erf(x: number): number {
  // Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7)
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
const Phi = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
for (const C of [30, 100, 300, 1000]) {
  let best = { total: Infinity, a: 0, v: 0, kl: 0, p: 0 };
  for (let ai = 1; ai < 300; ai++)
    for (let si = 1; si < 200; si++) {
      const a = ai / 100,
        s = si / 400;
      const kl = a * a + s * s - 1 - Math.log(s * s); // two dimensions, ½ each
      const p = 1 - (1 - Phi(-a / s)) ** 2;
      if (kl + C * p < best.total) best = { total: kl + C * p, a, v: s * s, kl, p };
    }
  const f = (x: number, d = 3) => x.toFixed(d);
  console.log(
    `C ${C}: a ${f(best.a, 2)}, σ² ${f(best.v)}, KL ${f(best.kl, 2)}, P(wrong) ${f(best.p, 4)}, ` +
      `total ${f(best.total, 2)}`,
  );
}
// tight dots for comparison: σ² = 0.01 per dimension, means at ±1
console.log(`dots σ² 0.01 at ±1: KL ${(1 + 0.01 - 1 - Math.log(0.01)).toFixed(2)}`);
