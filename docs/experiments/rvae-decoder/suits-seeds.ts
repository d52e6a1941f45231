// Issue 13, "3 seeds": why `npm run results` finds decoded suits the session-5 experiment (cards.ts) did not.
// Trains the results script's rVAE (library defaults, scripts/results/cards.ts recipe) for one seed and style,
// or loads it when saved, and scores ONE model with both scorers and several decode poses. Usage:
//   npx tsx docs/experiments/rvae-decoder/suits-seeds.ts seed=1 style=ivae [size=48 epochs=15 n=2000 freq=σ retrain=1]
// Writes out/experiments/suits-<style>-seed<seed>/ (model, PNG: decoded centres at each pose, reconstructions).
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../src/backend";
import "../../../src/native";
import { cards, RVAE, train, imageGridPng, concatImages, loadModel } from "../../../src/index";
import type { LatentModel, ImageStack } from "../../../src/index";
import { suitOutline, SUIT_NAMES } from "../../../src/data/suits";
import { fillPolygons } from "../../../src/data/rasterize";
import { classCentres, suitScores } from "../../../scripts/results/scores";

const args: Record<string, string> = {};
for (const a of process.argv.slice(2)) args[a.split("=")[0]] = a.split("=")[1];
const num = (k: string, d: number) => (args[k] !== undefined ? Number(args[k]) : d);
const seed = num("seed", 1),
  size = num("size", 48),
  epochs = num("epochs", 15),
  n = num("n", 2000);
const style = (args.style ?? "ivae") as "ivae" | "notebook";
const freq = args.freq !== undefined ? Number(args.freq) : undefined; // fourierScale; default the library's
const tags = [size !== 48 ? `-${size}` : "", freq ? `-f${freq}` : "", args.tag ? `-${args.tag}` : ""].join("");
const dir = `out/experiments/suits-${style}-seed${seed}${tags}`;

// ---- scorer A: the session-5 experiment's own (docs/experiments/rvae-decoder/cards.ts), same code
function glyph(s: number, a: number, scale: number): Float32Array {
  const g = size * scale,
    c0 = size / 2,
    ca = Math.cos(a),
    sa = Math.sin(a);
  const rings = suitOutline(SUIT_NAMES[s]).rings.map((u) => {
    const v = new Float64Array(u.length);
    for (let q = 0; q < u.length; q += 2) {
      v[q] = c0 + g * (ca * u[q] - sa * u[q + 1]);
      v[q + 1] = c0 - g * (sa * u[q] + ca * u[q + 1]);
    }
    return v;
  });
  const out = new Float32Array(size * size);
  fillPolygons(rings, size, size, out, 0, 8);
  return out;
}
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
  const at = (r: number, c: number) => (r >= 0 && r < size && c >= 0 && c < size ? img[r * size + c] : 0);
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++) {
      const y = i + dy,
        x = j + dx,
        y0 = Math.floor(y),
        x0 = Math.floor(x),
        fy = y - y0,
        fx = x - x0;
      out[i * size + j] =
        (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) +
        fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
    }
  return out;
}
function corr(a: Float32Array, b: Float32Array): number {
  let ma = 0,
    mb = 0;
  for (let i = 0; i < a.length; i++) ((ma += a[i]), (mb += b[i]));
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
function scorerA(dec: ImageStack, scale: number) {
  const bank = [0, 1, 2, 3].map((s) =>
    Array.from({ length: 120 }, (_, k) => centre(glyph(s, (2 * Math.PI * k) / 120, scale))),
  );
  const px = size * size;
  return Array.from({ length: dec.n }, (_, i) => {
    const c = centre(dec.data.subarray(i * px, (i + 1) * px));
    return [0, 1, 2, 3].map((s) => Math.max(...bank[s].map((g) => corr(c, g))));
  });
}
const r3 = (v: number) => +v.toFixed(3);

(async () => {
  await selectBackend();
  const test = cards.lecture("cards3", { n: 400, seed: seed + 1000, size, style });
  const scale = test.options.scale!;
  let model: LatentModel;
  const t0 = Date.now();
  if (fs.existsSync(path.join(dir, "model.json")) && !args.retrain) {
    model = (await loadModel(dir)) as LatentModel;
  } else {
    const data = cards.lecture("cards3", { n, seed, size, style });
    model = new RVAE({ imageShape: [size, size], latentDim: 2, seed, ...(freq ? { fourierScale: freq } : {}) });
    await train(model, data.images, {
      epochs,
      batchSize: 32,
      learningRate: 3e-3,
      seed,
      progress: false,
      pixelSubsample: 0.25,
    });
    await model.save(dir);
  }
  const secs = (Date.now() - t0) / 1000;
  const enc = model.encode(test.images);
  const suit = test.factors.suit;
  const zc = classCentres(enc, suit, 4);
  // the encoded shifts: px, per suit and overall (the data's true shifts have mean 0)
  const mean = (v: Float32Array, sel?: (i: number) => boolean) => {
    let s = 0,
      c = 0;
    for (let i = 0; i < v.length; i++) if (!sel || sel(i)) ((s += v[i]), c++);
    return s / c;
  };
  const dxAll = mean(enc.dx!),
    dyAll = mean(enc.dy!);
  const dxS = [0, 1, 2, 3].map((s) => mean(enc.dx!, (i) => suit[i] === s));
  const dyS = [0, 1, 2, 3].map((s) => mean(enc.dy!, (i) => suit[i] === s));
  // where the decoder draws each suit in its canonical frame: the intensity centroid of the decode at
  // angle 0, dx = dy = 0, relative to the image centre; "centred" decodes at the shift that undoes it
  // (twice: a suit cut by the frame moves its centroid once it is drawn whole)
  const centroid = (img: ImageStack) =>
    Array.from({ length: img.n }, (_, i) => {
      let m0 = 0,
        mx = 0,
        my = 0;
      for (let p = 0; p < size * size; p++) {
        const v = Math.max(0, img.data[i * size * size + p]);
        m0 += v;
        mx += v * (p % size);
        my += v * Math.floor(p / size);
      }
      return [mx / m0 - (size - 1) / 2, my / m0 - (size - 1) / 2];
    });
  const off0 = centroid(model.decode(zc, { angle: 0 }));
  let cx = off0.map((o) => -o[0]),
    cy = off0.map((o) => -o[1]);
  for (let it = 0; it < 2; it++) {
    const o = centroid(model.decode(zc, { angle: 0, dx: cx, dy: cy }));
    cx = cx.map((v, s) => v - o[s][0]);
    cy = cy.map((v, s) => v - o[s][1]);
  }
  const poses: Record<string, { dx: number | number[]; dy: number | number[] }> = {
    zero: { dx: 0, dy: 0 },
    meanShift: { dx: dxAll, dy: dyAll },
    centred: { dx: cx, dy: cy },
  };
  const res: Record<string, unknown> = {
    seed,
    style,
    scale,
    secs: +secs.toFixed(0),
    shiftMean: [r3(dxAll), r3(dyAll)],
    shiftPerSuit: dxS.map((x, s) => [r3(x), r3(dyS[s])]),
    drawnOffset: off0.map((o) => [+o[0].toFixed(1), +o[1].toFixed(1)]),
  };
  // held-out loss terms (all pixels, β = 1): what the off-centre drawing costs in the shift's KL
  const terms = tf.tidy(() => {
    const t = model.lossTerms(tf.tensor2d(test.images.data.slice(0, 200 * size * size), [200, size * size]), null, {
      seed: 5,
    });
    return [t.loss, t.reconstruction, t.klZ, t.klAngle, t.klOffset].map((v) => +v.dataSync()[0].toFixed(1));
  });
  res.terms = { negElbo: terms[0], recon: terms[1], klZ: terms[2], klAngle: terms[3], klOffset: terms[4] };
  const grids: ImageStack[] = [];
  for (const [name, p] of Object.entries(poses)) {
    const dec = model.decode(zc, { angle: 0, dx: p.dx, dy: p.dy });
    grids.push(dec);
    const a = scorerA(dec, scale);
    const b = cards.matchSuits(dec, { scale });
    const b45 = cards.matchSuits(dec, { scale: 0.45 });
    res[name] = {
      A_own: a.map((r, s) => r3(r[s])),
      A_right: a.map((r, s) => r.indexOf(Math.max(...r)) === s),
      B_own: [0, 1, 2, 3].map((s) => r3(b.perSuit[s * 4 + s])),
      B_right: [0, 1, 2, 3].map((s) => b.suit[s] === s),
      ...(scale !== 0.45 ? { B45_own: [0, 1, 2, 3].map((s) => r3(b45.perSuit[s * 4 + s])) } : {}),
    };
  }
  // the results script's scorer as it is (dx = dy = 0), and recon -> suit with scorer A on 200 cards
  const sc = suitScores(model, enc, suit, scale, true);
  const m = 200;
  const rec = model.decode(enc.zMean.slice(0, 2 * m), { angle: 0 });
  const recA = scorerA(rec, scale);
  let okA = 0;
  for (let i = 0; i < m; i++) if (recA[i].indexOf(Math.max(...recA[i])) === suit[i]) okA++;
  const recShift = model.decode(enc.zMean.slice(0, 2 * m), { angle: 0, dx: dxAll, dy: dyAll });
  const mb = cards.matchSuits(recShift, { scale });
  let okS = 0;
  for (let i = 0; i < m; i++) if (mb.suit[i] === suit[i]) okS++;
  res.results = { own: sc.ownCorrelation.map(r3), right: sc.nearestRight, recon: sc.reconToSuit };
  res.reconA = okA / m;
  res.reconMeanShiftB = okS / m;
  // true inputs through scorer B: the scorer's ceiling on real glyphs
  const inB = cards.matchSuits({ ...test.images, n: 40, data: test.images.data.slice(0, 40 * size * size) }, { scale });
  let inOk = 0;
  for (let i = 0; i < 40; i++) if (inB.suit[i] === suit[i]) inOk++;
  res.inputsB = { right: inOk / 40, meanCorr: r3(mean(inB.correlation)) };
  const recon8 = model.decode(enc.zMean.slice(0, 16), { angle: 0 });
  const cardsShown = { ...test.images, n: 8, data: test.images.data.slice(0, 8 * size * size) };
  fs.writeFileSync(
    path.join(dir, "decoded.png"),
    imageGridPng(concatImages([...grids, cardsShown, recon8]), { cols: 4, scale: 3 }).png,
  );
  console.log(JSON.stringify(res));
})();
