// Diagnostics for issue 13: does the rVAE's decoder draw the suits? Usage:
//   npx tsx docs/experiments/rvae-decoder/cards.ts key=value ...   (from the repository root; writes out/experiments/)
// model=rvae (tanh layer 0: coordinateFeatures "linear") | sin (Fourier layer 0, fourierScale = freq) | vae   (size n epochs lr batch hidden ps pose seed warm beta)
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../src/backend";
import "../../../src/native";
import { cards } from "../../../src/data/cards";
import { suitOutline, SUIT_NAMES } from "../../../src/data/suits";
import { fillPolygons } from "../../../src/data/rasterize";
import { RVAE } from "../../../src/models/rvae";
import { VAE } from "../../../src/models/vae";
import { train } from "../../../src/training/train";
import { angleRecovery } from "../../../src/analysis/metrics";
import { coordDecoderName } from "../../../src/models/coord-decoder";
import * as fs from "fs";
fs.mkdirSync("out/experiments", { recursive: true });

const args: Record<string, string> = {};
for (const a of process.argv.slice(2)) {
  const [k, v] = a.split("=");
  args[k] = v;
}
const num = (k: string, d: number) => (args[k] !== undefined ? Number(args[k]) : d);
const size = num("size", 48),
  n = num("n", 2000),
  epochs = num("epochs", 15),
  lr = num("lr", 3e-3),
  batch = num("batch", 32);
const hidden = num("hidden", 64),
  ps = num("ps", 0.25),
  seed = num("seed", 1),
  warm = num("warm", 0),
  beta = num("beta", 1);
const layers = num("layers", 2);
const model_ = args.model ?? "rvae";
const ff = num("ff", 0),
  ffScale = num("ffscale", 0);

/** glyph of suit s rendered upright (angle a, no shear/shift) the same way cards.generate does */
function glyph(s: number, a: number, scale = 0.45): Float32Array {
  const ol = suitOutline(SUIT_NAMES[s]);
  const g = size * scale,
    c0 = size / 2,
    ca = Math.cos(a),
    sa = Math.sin(a);
  const rings = ol.rings.map((u) => {
    const v = new Float64Array(u.length);
    for (let q = 0; q < u.length; q += 2) {
      const x = u[q],
        y = u[q + 1];
      v[q] = c0 + g * (ca * x - sa * y);
      v[q + 1] = c0 - g * (sa * x + ca * y);
    }
    return v;
  });
  const out = new Float32Array(size * size);
  fillPolygons(rings, size, size, out, 0, 8);
  return out;
}
/** the image resampled (bilinear) so that its intensity centroid sits at the image centre */
function centre(img: Float32Array): Float32Array {
  let m = 0,
    cx = 0,
    cy = 0;
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++) {
      const v = Math.max(0, img[i * size + j]);
      m += v;
      cx += v * j;
      cy += v * i;
    }
  if (m <= 0) return img;
  const dx = cx / m - (size - 1) / 2,
    dy = cy / m - (size - 1) / 2;
  const out = new Float32Array(size * size);
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++) {
      const y = i + dy,
        x = j + dx,
        y0 = Math.floor(y),
        x0 = Math.floor(x),
        fy = y - y0,
        fx = x - x0;
      const at = (r: number, c: number) => (r >= 0 && r < size && c >= 0 && c < size ? img[r * size + c] : 0);
      out[i * size + j] =
        (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) +
        fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
    }
  return out;
}
function corr(a: Float32Array, b: Float32Array): number {
  let ma = 0,
    mb = 0;
  for (let i = 0; i < a.length; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= a.length;
  mb /= b.length;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] - ma,
      y = b[i] - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return sab / Math.sqrt(saa * sbb + 1e-12);
}
const bank: Float32Array[][] = [0, 1, 2, 3].map((s) =>
  Array.from({ length: 120 }, (_, k) => centre(glyph(s, (2 * Math.PI * k) / 120))),
);
function nearestGlyph(img0: Float32Array): { suit: number; r: number } {
  const img = centre(img0);
  let best = -2,
    suit = -1;
  for (let s = 0; s < 4; s++)
    for (const g of bank[s]) {
      const r = corr(img, g);
      if (r > best) {
        best = r;
        suit = s;
      }
    }
  return { suit, r: best };
}

(async () => {
  await selectBackend();
  console.log("decoder:", coordDecoderName(), "backend", tf.getBackend());
  const data = cards.lecture("cards3", { n, seed, size });
  const test = cards.lecture("cards3", { n: 400, seed: seed + 1000, size });
  const dh = Array.from({ length: layers }, () => hidden);
  const model =
    model_ === "sin"
      ? new RVAE({
          imageShape: [size, size],
          latentDim: 2,
          seed,
          decoderHidden: dh,
          coordinateFeatures: "fourier",
          fourierScale: num("freq", 10),
        })
      : model_ === "vae"
        ? new VAE({ imageShape: [size, size], latentDim: 2, seed, decoderHidden: [256, 256] })
        : new RVAE({
            imageShape: [size, size],
            latentDim: 2,
            seed,
            decoderHidden: dh,
            coordinateFeatures: "linear",
            poseEncoder: (args.pose as "mlp") ?? "equivariant",
            skip: args.skip === "1",
            ...(ff ? { fourierFeatures: ff, fourierScale: ffScale } : {}),
          } as never);
  const wcScale = num("wc", 1);
  if (wcScale !== 1) {
    const i = model.params.names.indexOf("decoder.0.Wc");
    const v = model.params.vars[i];
    v.assign(tf.tidy(() => tf.mul(v, wcScale)));
  }
  const mmax = num("edges", 0),
    mmin = num("edgemin", 2);
  if (mmax > 0) {
    const i = model.params.names.indexOf("decoder.0.Wc"),
      j = model.params.names.indexOf("decoder.0.b");
    const h = model.params.vars[j].size;
    const W = new Float32Array(2 * h),
      b = new Float32Array(h);
    let st = seed * 7919 + 1;
    const rnd = () => {
      st = (st * 16807) % 2147483647;
      return st / 2147483647;
    };
    for (let k = 0; k < h; k++) {
      const th = 2 * Math.PI * rnd(),
        m = mmin + (mmax - mmin) * rnd(),
        d = 2 * rnd() - 1;
      W[k] = m * Math.cos(th);
      W[h + k] = m * Math.sin(th);
      b[k] = -m * d;
    }
    model.params.vars[i].assign(tf.tensor2d(W, [2, h]));
    model.params.vars[j].assign(tf.tensor1d(b));
  }
  const t0 = Date.now();
  const h = await train(model, data.images, {
    epochs,
    batchSize: batch,
    learningRate: lr,
    seed,
    pixelSubsample: ps >= 1 ? undefined : ps,
    progress: false,
    beta,
    betaSchedule: warm ? { warmupEpochs: warm } : undefined,
  });
  const secs = (Date.now() - t0) / 1000;
  // held-out -ELBO with all pixels, beta 1
  const elbo = tf.tidy(() => {
    const x = tf.tensor2d(test.images.data, [test.images.n, size * size]);
    const t = model.lossTerms(x, null, { seed: 5 });
    return t.loss;
  });
  const testNll = (await elbo.data())[0];
  elbo.dispose();
  const enc = model.encode(test.images);
  const res: Record<string, unknown> = {
    args,
    secs: +secs.toFixed(1),
    trainLoss: +h.loss[h.loss.length - 1].toFixed(1),
    testNegElbo: +testNll.toFixed(1),
  };
  if (model_ !== "vae") {
    const ar = angleRecovery(enc.angle!, test.factors.angle, { groups: test.factors.suit, symmetry: test.symmetry });
    res.angleRho = +ar.meanAbsRho.toFixed(3);
    // each suit's mean z decoded at angle 0
    const centres = new Float32Array(8),
      cnt = [0, 0, 0, 0];
    for (let i = 0; i < test.images.n; i++) {
      const s = test.factors.suit[i];
      centres[2 * s] += enc.zMean[2 * i];
      centres[2 * s + 1] += enc.zMean[2 * i + 1];
      cnt[s]++;
    }
    for (let s = 0; s < 4; s++) {
      centres[2 * s] /= cnt[s];
      centres[2 * s + 1] /= cnt[s];
    }
    const dec = model.decode(centres, { angle: 0 });
    const suitDec = [0, 1, 2, 3].map((s) => {
      const img = dec.data.subarray(s * size * size, (s + 1) * size * size);
      const ci = centre(img);
      const own = Math.max(...bank[s].map((g) => corr(ci, g)));
      return {
        suit: SUIT_NAMES[s],
        own: +own.toFixed(3),
        nearest: SUIT_NAMES[nearestGlyph(img).suit],
        z: [+centres[2 * s].toFixed(2), +centres[2 * s + 1].toFixed(2)],
      };
    });
    res.suitDecode = suitDec;
    // reconstructions (z at angle 0) assigned to true suit
    const m = Math.min(200, test.images.n);
    const decAll = model.decode(enc.zMean.subarray(0, 2 * m), { angle: 0 });
    let ok = 0;
    for (let i = 0; i < m; i++)
      if (nearestGlyph(decAll.data.subarray(i * size * size, (i + 1) * size * size)).suit === test.factors.suit[i])
        ok++;
    res.reconSuitAcc = ok / m;
    let pv = 0;
    for (let i = 0; i < enc.zLogVar.length; i++) pv += Math.exp(enc.zLogVar[i]);
    res.meanPostVar = +(pv / enc.zLogVar.length).toFixed(4);
    if (enc.angleLogVar) {
      let a = 0;
      for (const v of enc.angleLogVar) a += Math.exp(0.5 * v);
      res.angleSd = +(a / enc.angleLogVar.length).toFixed(3);
    }
    if (enc.offsetLogVar) {
      let a = 0;
      for (const v of enc.offsetLogVar) a += Math.exp(0.5 * v);
      res.offsetSdGrid = +(a / enc.offsetLogVar.length).toFixed(4);
    }
    // inverted backgrounds on the central +-1.5 grid
    const man = model.manifold({ range: [-1.5, 1.5], steps: 7 });
    let inv = 0;
    for (let k = 0; k < man.n; k++) {
      const im = man.data.subarray(k * size * size, (k + 1) * size * size);
      let b = 0,
        c = 0;
      for (let i = 0; i < size; i++)
        for (let j = 0; j < size; j++)
          if (i < 3 || j < 3 || i >= size - 3 || j >= size - 3) {
            b += im[i * size + j];
            c++;
          }
      if (b / c > 0.5) inv++;
    }
    res.invertedCells = inv;
    const rec = model.reconstruct({
      data: test.images.data.subarray(0, 12 * size * size),
      n: 12,
      height: size,
      width: size,
    });
    const dec0 = model.decode(enc.zMean.subarray(0, 24), { angle: 0 });
    fs.writeFileSync(
      `out/experiments/dec-${args.tag ?? "x"}.json`,
      JSON.stringify({
        size,
        dec: Array.from(dec.data),
        man: Array.from(man.data),
        inp: Array.from(test.images.data.subarray(0, 12 * size * size)),
        rec: Array.from(rec.data),
        dec0: Array.from(dec0.data),
      }),
    );
  }
  console.log(JSON.stringify(res));
})();
