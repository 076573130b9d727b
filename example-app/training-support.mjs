// What the example app's training scripts (digits/train.mjs, language/train.mjs) share: the seeded generator for
// Math.random and their training order, and writing a trained model in the TF.js layers format.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';

/** mulberry32: a small 32-bit seeded generator of floats in [0, 1). */
export function mulberry32(a) {
  return function () {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates with `random` (a generator as above), in place; returns the array. */
export function shuffle(a, random) {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Writes model/model.json and model/<binName> (one weights file) for `model`, as tfjs-node's file saver would. */
export async function saveLayersModel(tf, model, binName) {
  mkdirSync('model', { recursive: true });
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const bin = Buffer.from(artifacts.weightData);
    const modelJson = {
      format: 'layers-model',
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy ?? null,
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: [binName], weights: artifacts.weightSpecs }],
    };
    writeFileSync('model/model.json', JSON.stringify(modelJson, null, 1) + '\n');
    writeFileSync(`model/${binName}`, bin);
    console.log(`wrote model/model.json and model/${binName} (${bin.length} bytes, sha256 `
      + `${createHash('sha256').update(bin).digest('hex').slice(0, 16)}...)`);
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
}
