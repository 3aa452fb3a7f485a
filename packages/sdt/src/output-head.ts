import { Conv2d, ReLU, Sequential } from '@anydepth/core';

/**
 * `output_conv`: Conv3×3(C → C/2) + ReLU, Conv3×3(C/2 → 32) + ReLU, Conv1×1(32 → out), all with
 * bias and no final activation (children `0`, `2`, `4` carry the weights).
 */
export function outputHead(channels: number, outChannels = 1, hiddenChannels = 32): Sequential {
  const half = Math.floor(channels / 2);
  return new Sequential(
    new Conv2d(channels, half, 3, { padding: 1 }),
    new ReLU(),
    new Conv2d(half, hiddenChannels, 3, { padding: 1 }),
    new ReLU(),
    new Conv2d(hiddenChannels, outChannels, 1),
  );
}
