// Depth for a photo: writes <name>_color.png, <name>_disp16.png and <name>.ply.
//
//   npx tsx predict.ts <photo.jpg> [--weights <file | folder | URL | owner/name | hf://owner/name/file.pth>]...
//                                  [--out out/predict] [--size px]
//
// Any AnyDepth or Depth Anything V2 checkpoint (safetensors or PyTorch .pth; repeat --weights for a decoder file plus a
// DINOv3 backbone file). Weights default to the demo's toy model (run `npm run demo` at the repository root first).
import { parseArgs } from 'node:util';
import { createDepthEstimator, loadImage, outputName, writePredictionOutputs } from '@anydepth/model/node';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    weights: { type: 'string', multiple: true, default: [new URL('../../out/demo/model.safetensors', import.meta.url).pathname] },
    out: { type: 'string', default: 'out/predict' },
    size: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const photo = positionals[0];
if (!photo) {
  console.error(
    'usage: tsx predict.ts <photo> [--weights file|folder|URL|owner/name|hf://owner/name/file]... [--out dir] [--size px] [--backend wasm|cpu|auto]',
  );
  process.exit(2);
}
const backend = (values.backend ?? 'wasm') as 'wasm' | 'cpu' | 'auto';
const estimator = await createDepthEstimator(values.weights!, { backend });
console.log(estimator.description);
if (estimator.notice) console.warn(`warning: ${estimator.notice}`);
const rgb = await loadImage(photo);
const estimate = await estimator.estimate(rgb, values.size ? { size: Number(values.size) } : {});
const files = writePredictionOutputs(estimate, values.out!, outputName(photo), {
  formats: ['color', 'png16', 'ply'],
  colormap: 'turbo',
  rgb,
});
console.log(`${photo}: ${rgb.width}×${rgb.height} → network ${estimate.networkWidth}×${estimate.networkHeight}; ${estimate.milliseconds.toFixed(0)} ms`);
console.log(`wrote\n  ${files.join('\n  ')}`);
estimator.dispose();
