// Trains the Kiln language example's character-level model with TensorFlow.js (pure-JS CPU backend) on the word
// lists of Debian's dictionary packages, and writes:
//
//   model/model.json, model/language.weights.bin     the trained model, TF.js layers format
//   ../src/main/resources/language-vocabulary.txt    the characters, as Keras saves a TextVectorization vocabulary
//   ../src/main/resources/language-test.tsv.gz       the held-back words with TF.js's predictions
//
// Usage (Node 20, from example-app/language; as root, or with the five packages already installed):
//   npm ci            # @tensorflow/tfjs@4.22.0 (never tfjs-node)
//   node train.mjs    # installs wamerican wngerman wfrench wspanish witalian with apt-get when missing
//
// The model: Embedding(maskZero) -> Bidirectional(GRU) -> Dense(softmax) over five languages. Its input is what
// Kiln's dev.kiln.text.TextVectorization (Keras' TextVectorization) gives with split "character" and the default
// standardize "lower_and_strip_punctuation": ASCII letters lowercased, ASCII punctuation removed, one token per code
// point, vocabulary "" (0, padding and mask), "[UNK]" (1), then the characters. `standardize` and `chars` below
// restate those steps; the Java test checks that TextVectorization gives the ids written here for every test word.
//
// Data: every list's words made of letters only, 2 to 24 characters after standardizing; a word found in more than one
// list is dropped from all (its language is ambiguous). Per language, a seeded shuffle; the first TEST_PER_LANGUAGE
// words are held back, the next TRAIN_PER_LANGUAGE train.
//
// Determinism: initializers have explicit seeds, the batch order comes from a seeded generator, Math.random is replaced
// by a seeded generator before TF.js loads, and the CPU backend is single-threaded JavaScript: a re-run on the same
// Node, TF.js and package versions gives the same files.
//
// Test file (gzip of UTF-8 text, one word per line, tab-separated):
//   word  language  tfjs_language  p_english p_german p_french p_spanish p_italian  ids (space-separated)
// probabilities as TF.js computed them (float32, written with 9 significant digits, which reads back exactly).

import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { mulberry32, saveLayersModel, shuffle } from '../training-support.mjs';

const SEED = 20250114;
const LANGUAGES = [
  { name: 'english', pkg: 'wamerican', file: '/usr/share/dict/american-english' },
  { name: 'german', pkg: 'wngerman', file: '/usr/share/dict/ngerman' },
  { name: 'french', pkg: 'wfrench', file: '/usr/share/dict/french' },
  { name: 'spanish', pkg: 'wspanish', file: '/usr/share/dict/spanish' },
  { name: 'italian', pkg: 'witalian', file: '/usr/share/dict/italian' },
];
const TEST_PER_LANGUAGE = 200;
const TRAIN_PER_LANGUAGE = Number(process.env.TRAIN_PER_LANGUAGE || 7000);
const EPOCHS = Number(process.env.EPOCHS || 5);
const BATCH = Number(process.env.BATCH || 64);
const MIN_CHAR_COUNT = 10;
const MAX_LENGTH = 24;
const EMBEDDING = 16;
const UNITS = 48;

Math.random = mulberry32(SEED ^ 0x5eed);
const order = mulberry32(SEED);

const tf = await import('@tensorflow/tfjs');
await tf.setBackend('cpu');
await tf.ready();

// ---- Keras' TextVectorization, standardize "lower_and_strip_punctuation" and split "character" ---------------------
const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;
const standardize = (s) => s.replace(/[A-Z]/g, (c) => c.toLowerCase()).replace(PUNCTUATION, '');
const chars = (s) => Array.from(s);

// ---- data -----------------------------------------------------------------------------------------------------------
const missing = LANGUAGES.filter((l) => !existsSync(l.file)).map((l) => l.pkg);
if (missing.length > 0) {
  console.log(`installing ${missing.join(' ')} with apt-get`);
  execSync(`apt-get install -y --no-install-recommends ${missing.join(' ')}`, { stdio: 'inherit' });
}
const versions = LANGUAGES.map((l) => `${l.pkg} ${execSync(`dpkg-query -W -f='\${Version}' ${l.pkg}`).toString()}`);
console.log(`word lists: ${versions.join(', ')}`);

const LETTERS = /^\p{L}+$/u;
const wordsByLanguage = LANGUAGES.map((l) => {
  const words = new Set();
  for (const line of readFileSync(l.file, 'utf8').split('\n')) {
    const w = standardize(line.trim());
    const n = chars(w).length;
    if (n >= 2 && n <= MAX_LENGTH && LETTERS.test(w)) words.add(w);
  }
  return words;
});
const seen = new Map();
wordsByLanguage.forEach((ws) => ws.forEach((w) => seen.set(w, (seen.get(w) ?? 0) + 1)));
const train = [];
const test = [];
wordsByLanguage.forEach((ws, label) => {
  const unique = shuffle([...ws].filter((w) => seen.get(w) === 1).sort(), mulberry32(SEED + label));
  console.log(`${LANGUAGES[label].name}: ${ws.size} words, ${unique.length} in no other list`);
  unique.slice(0, TEST_PER_LANGUAGE).forEach((word) => test.push({ word, label }));
  unique.slice(TEST_PER_LANGUAGE, TEST_PER_LANGUAGE + TRAIN_PER_LANGUAGE).forEach((word) => train.push({ word, label }));
});

// The vocabulary: characters seen at least MIN_CHAR_COUNT times in training, most frequent first (then by code point).
const counts = new Map();
train.forEach((s) => chars(s.word).forEach((c) => counts.set(c, (counts.get(c) ?? 0) + 1)));
const alphabet = [...counts].filter(([, n]) => n >= MIN_CHAR_COUNT)
  .sort((a, b) => b[1] - a[1] || a[0].codePointAt(0) - b[0].codePointAt(0)).map(([c]) => c);
const vocabulary = ['', '[UNK]', ...alphabet];
const index = new Map(alphabet.map((c, i) => [c, i + 2]));
const ids = (word) => chars(word).map((c) => index.get(c) ?? 1);
console.log(`vocabulary: ${vocabulary.length} entries (${alphabet.join('')})`);

// ---- model: only layers Kiln has ---------------------------------------------------------------------------------
const chars_ = tf.input({ shape: [null], dtype: 'int32', name: 'chars' });
let h = tf.layers.embedding({ name: 'embedding', inputDim: vocabulary.length, outputDim: EMBEDDING, maskZero: true,
  embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: SEED + 1 }) }).apply(chars_);
h = tf.layers.bidirectional({ name: 'bigru', mergeMode: 'concat', layer: tf.layers.gru({ units: UNITS,
  recurrentActivation: 'sigmoid',
  kernelInitializer: tf.initializers.glorotUniform({ seed: SEED + 2 }),
  recurrentInitializer: tf.initializers.orthogonal({ seed: SEED + 3 }) }) }).apply(h);
const probs = tf.layers.dense({ name: 'language', units: LANGUAGES.length, activation: 'softmax',
  kernelInitializer: tf.initializers.glorotUniform({ seed: SEED + 4 }) }).apply(h);
const model = tf.model({ name: 'language_net', inputs: chars_, outputs: probs });
model.summary();
model.compile({ optimizer: tf.train.adam(0.004), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });

// ---- training: batches of words of one length (no padding), in a seeded order -----------------------------------
function batches(samples) {
  const byLength = new Map();
  samples.forEach((s) => {
    const n = chars(s.word).length;
    if (!byLength.has(n)) byLength.set(n, []);
    byLength.get(n).push(s);
  });
  const out = [];
  for (const [, group] of [...byLength].sort((a, b) => a[0] - b[0])) {
    shuffle(group, order);
    for (let i = 0; i < group.length; i += BATCH) out.push(group.slice(i, i + BATCH));
  }
  return shuffle(out, order);
}
function tensors(batch) {
  const n = chars(batch[0].word).length;
  const x = tf.tensor2d(batch.flatMap((s) => ids(s.word)), [batch.length, n], 'int32');
  const y = tf.tensor1d(batch.map((s) => s.label), 'float32');
  return [x, y];
}
const t0 = Date.now();
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  let loss = 0;
  let acc = 0;
  const bs = batches(train);
  for (let b = 0; b < bs.length; b++) {
    const [x, y] = tensors(bs[b]);
    const [l, a] = await model.trainOnBatch(x, y);
    x.dispose(); y.dispose();
    loss += l * bs[b].length;
    acc += a * bs[b].length;
    if (b % 200 === 199) console.log(`  batch ${b + 1}/${bs.length}: loss ${l.toFixed(4)}`);
  }
  console.log(`epoch ${epoch + 1}/${EPOCHS}: loss ${(loss / train.length).toFixed(4)} acc ${(acc / train.length).toFixed(4)}`
    + ` (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}

// ---- held-back words: TF.js's probabilities, each length as one batch (no padding) ---------------------------------
const predictions = new Map();
for (const group of batches(test)) {
  const [x, y] = tensors(group);
  const p = model.predict(x);
  const values = await p.data();
  group.forEach((s, i) => predictions.set(s, Array.from(values.slice(i * LANGUAGES.length, (i + 1) * LANGUAGES.length))));
  x.dispose(); y.dispose(); p.dispose();
}
let correct = 0;
const lines = test.map((s) => {
  const p = predictions.get(s);
  const predicted = p.indexOf(Math.max(...p));
  if (predicted === s.label) correct++;
  return [s.word, LANGUAGES[s.label].name, LANGUAGES[predicted].name, ...p.map((v) => v.toPrecision(9)),
    ids(s.word).join(' ')].join('\t');
});
console.log(`held-back accuracy (TF.js): ${(correct / test.length).toFixed(4)} (${correct}/${test.length})`);

// ---- write the model, the vocabulary and the held-back words ------------------------------------------------------
await saveLayersModel(tf, model, 'language.weights.bin');
const resources = new URL('../src/main/resources/', import.meta.url);
writeFileSync(new URL('language-vocabulary.txt', resources), vocabulary.join('\n'));
const header = `# ${versions.join(', ')}; TF.js ${tf.version.tfjs}; word\tlanguage\ttfjs_language\t`
  + `${LANGUAGES.map((l) => `p_${l.name}`).join('\t')}\tids\n`;
const testFile = gzipSync(Buffer.from(header + lines.join('\n') + '\n', 'utf8'), { level: 9 });
writeFileSync(new URL('language-test.tsv.gz', resources), testFile);
console.log(`wrote language-vocabulary.txt and language-test.tsv.gz (${testFile.length} bytes)`);
