// Depth for a photo: writes <name>_color.png, <name>_disp16.png and <name>.ply.
//
//   npx tsx predict.ts <photo.jpg> [--weights model.safetensors] [--out out/predict] [--size 384]
//
// Weights default to the demo's trained model (run `npm run demo` at the repository root first).
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { useBackend } from '@anydepth/core';
import { predict } from '@anydepth/model';
import { loadAnyDepthFromFile, loadImage, outputName, writePredictionOutputs } from '@anydepth/model/node';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    weights: { type: 'string', default: new URL('../../out/demo/model.safetensors', import.meta.url).pathname },
    out: { type: 'string', default: 'out/predict' },
    size: { type: 'string', default: '384' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const photo = positionals[0];
if (!photo) {
  console.error('usage: tsx predict.ts <photo> [--weights file] [--out dir] [--size px] [--backend wasm|cpu|auto]');
  process.exit(2);
}
if (!existsSync(values.weights!)) {
  console.error(`weights not found: ${values.weights} (run \`npm run demo\` at the repository root, or pass --weights)`);
  process.exit(1);
}

const backend = await useBackend(values.backend as 'wasm');
const model = loadAnyDepthFromFile(values.weights!);
const rgb = await loadImage(photo);
const prediction = await predict(model, rgb, { size: Number(values.size) });
const files = writePredictionOutputs(prediction, values.out!, outputName(photo), {
  formats: ['color', 'png16', 'ply'],
  colormap: 'turbo',
  rgb,
});
const t = prediction.timings;
console.log(
  `${photo}: ${rgb.width}×${rgb.height} → network ${prediction.networkWidth}×${prediction.networkHeight} on ${backend}; ` +
    `preprocess ${t.preprocessMs.toFixed(0)} ms, inference ${t.inferenceMs.toFixed(0)} ms, postprocess ${t.postprocessMs.toFixed(0)} ms`,
);
console.log(`wrote\n  ${files.join('\n  ')}`);
model.dispose();
