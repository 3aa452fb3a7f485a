/**
 * SDT vs DPT decoder heads on ViT-S features (D = 384, 4 layers): parameters, analytic FLOPs and measured
 * wasm latency at 256, 384, 512 and 768 px, with the SDT/DPT ratios measured in this run.
 * SDT: `SDTHead({ inChannels: 384, fusionChannels: 256 })` (AnyDepth). DPT: `DPTHead({ inChannels: 384 })`
 * = the DINOv3 depth head the paper compares against (channels 512, post-process [384]×4, readout ignore, BN).
 * Both in eval mode, batch 1, random weights and features (speed does not depend on them). Runs are interleaved
 * (SDT, DPT, SDT, DPT, …) so machine-load drift hits both; latency is the median.
 *
 *   (cd packages/core && npx tsup); (cd packages/dysample && npx tsup); (cd packages/sdt && npx tsup); (cd packages/dpt && npx tsup)
 *   npx tsx bench/heads.ts [--sizes 256,384,512,768] [--time-sizes <subset to time, default all>] [--runs 3] [--backend wasm]
 *
 * Parameters and FLOPs are printed for every size; latency only for --time-sizes (a 768-px pass is ~2 TFLOPs per head,
 * minutes on a loaded 2-core machine).
 */
import { availableParallelism, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@anydepth/core';
import { DPTHead, countFlops as countDptFlops } from '@anydepth/dpt';
import { SDTHead, countFlops as countSdtFlops } from '@anydepth/sdt';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const sizes = opt('sizes', '256,384,512,768').split(',').map(Number);
const timeSizes = new Set(opt('time-sizes', opt('sizes', '256,384,512,768')).split(',').map(Number));
const maxRuns = Number(opt('runs', '3'));
const backend = opt('backend', 'wasm') as 'wasm' | 'cpu';
const D = 384;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/** One timed forward pass (ms), reading the result back so the work is done. */
async function time(head: SDTHead | DPTHead, features: Array<{ patches: tf.Tensor; cls: tf.Tensor }>): Promise<number> {
  const t0 = performance.now();
  const out = head.forward(features);
  await out.data();
  out.dispose();
  return performance.now() - t0;
}

async function main(): Promise<void> {
  tf.env().set('IS_TEST', true);
  await useBackend(backend);
  console.log(`backend ${tf.getBackend()}, node ${process.version}, ${availableParallelism()} cores, load average ${load()}`);
  const sdt = new SDTHead({ inChannels: D, fusionChannels: 256 }).eval();
  const dpt = new DPTHead({ inChannels: D, channels: 512 }).eval();
  const pS = sdt.numParameters();
  const pD = dpt.numParameters();
  console.log(
    `parameters: SDT ${pS.toLocaleString()}  DPT ${pD.toLocaleString()}  SDT/DPT ${(pS / pD).toFixed(3)} (${((1 - pS / pD) * 100).toFixed(1)} % fewer)`,
  );
  const rows: string[] = [];
  const header = '| size | SDT GFLOPs | DPT GFLOPs | FLOPs SDT/DPT | SDT ms (median) | DPT ms (median) | latency SDT/DPT | runs |';
  console.log(header);
  for (const size of sizes) {
    const fS = (2 * countSdtFlops(sdt, { height: size, width: size }).macs) / 1e9;
    const fD = (2 * countDptFlops(dpt, { height: size, width: size }).macs) / 1e9;
    const g = size / 16;
    const features = [0, 1, 2, 3].map((i) => ({
      patches: tf.randomNormal([1, g, g, D], 0, 1, 'float32', i),
      cls: tf.randomNormal([1, D], 0, 1, 'float32', 10 + i),
    }));
    // Fewer repeats at the large sizes, where one pass takes many seconds on wasm.
    const runs = !timeSizes.has(size) ? 0 : size >= 384 ? 1 : maxRuns;
    const warm = runs > 0 && size < 384;
    const tS: number[] = [];
    const tD: number[] = [];
    let note = '';
    try {
      if (warm) {
        await time(sdt, features);
        await time(dpt, features);
      }
      for (let r = 0; r < runs; r++) {
        tS.push(await time(sdt, features));
        tD.push(await time(dpt, features));
      }
    } catch (e) {
      note = ` (failed: ${(e as Error).message.split('\n')[0].slice(0, 80)})`;
    }
    const mS = tS.length ? median(tS) : NaN;
    const mD = tD.length ? median(tD) : NaN;
    if (!runs) note = ' (not timed)';
    const row = `| ${size} | ${fS.toFixed(1)} | ${fD.toFixed(1)} | ${(fS / fD).toFixed(3)} | ${mS.toFixed(0)} | ${mD.toFixed(0)} | ${(mS / mD).toFixed(3)} | ${runs}${warm ? ' + warm-up' : ''}${note} |`;
    rows.push(row);
    console.log(row);
    tf.dispose(features.flatMap((f) => [f.patches, f.cls]));
  }
  console.log(`\nload average at the end ${load()}`);
  console.log('FLOPs = 2 × analytic multiply-adds (convs, linears, bilinear/DySample sampling); element-wise work not counted.');
  sdt.dispose();
  dpt.dispose();
}

await main();
