#!/usr/bin/env node
/**
 * The engine decision in one line: a pure-JS GEMM (cache-friendly i-k-j loop over Float32Array, one thread)
 * against onnxruntime-node's Gemm on the ABMIL first layer (N×1024 · 1024×512), measured in the same process.
 * usage: node bench/mil/gemm-bench.mjs [--n 4500] [--js-rows 500]. Build first: npx tsc -b packages/onnx.
 */
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(repo, 'packages/mil/package.json'));
const { InferenceSession, Tensor } = require('onnxruntime-node');
const { GraphBuilder, encodeModel } = await import(join(repo, 'packages/onnx/dist/index.js'));

const argv = process.argv.slice(2);
const arg = (k, d) => (argv.includes(`--${k}`) ? Number(argv[argv.indexOf(`--${k}`) + 1]) : d);
const N = arg('n', 4500);
const JS_ROWS = arg('js-rows', 500);
const K = 1024;
const M = 512;

const a = new Float32Array(JS_ROWS * K).map(() => Math.random());
const b = new Float32Array(K * M).map(() => Math.random());
const c = new Float32Array(JS_ROWS * M);
const jsGemm = () => {
  c.fill(0);
  for (let i = 0; i < JS_ROWS; i++) {
    const ci = i * M;
    for (let k = 0; k < K; k++) {
      const av = a[i * K + k];
      const bk = k * M;
      for (let j = 0; j < M; j++) c[ci + j] += av * b[bk + j];
    }
  }
};
jsGemm();
let t = performance.now();
jsGemm();
const jsMs = performance.now() - t;

const g = new GraphBuilder('gemm');
g.output(g.op('Gemm', [g.input('x', 'float', ['N', K]), g.input('w', 'float', [K, M])], {}, 'y'), 'float', ['N', M]);
const ort = {};
for (const threads of [1, 2]) {
  const s = await InferenceSession.create(encodeModel(g.build()), { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const feeds = {
    x: new Tensor('float32', new Float32Array(N * K).fill(0.1), [N, K]),
    w: new Tensor('float32', b, [K, M]),
  };
  for (let i = 0; i < 2; i++) await s.run(feeds);
  const times = [];
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    await s.run(feeds);
    times.push(performance.now() - t);
  }
  const ms = times.sort((x, y) => x - y)[2];
  ort[`threads_${threads}`] = { ms: Number(ms.toFixed(1)), gflops: Number(((2 * N * K * M) / ms / 1e6).toFixed(1)) };
  await s.release();
}
const jsGflops = (2 * JS_ROWS * K * M) / jsMs / 1e6;
console.log(
  JSON.stringify({
    bench: 'gemm-js-vs-ort',
    shape_ort: [N, K, M],
    shape_js: [JS_ROWS, K, M],
    js: { ms: Number(jsMs.toFixed(1)), gflops: Number(jsGflops.toFixed(2)) },
    ort,
    ort2_over_js_gflops: Number((ort.threads_2.gflops / jsGflops).toFixed(0)),
    loadavg_1m: loadavg()[0],
  }),
);
