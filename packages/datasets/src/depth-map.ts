import type { DepthMap } from './types.js';

/**
 * The one place the DepthMap validity contract is enforced: every decoder returns its map through here. A pixel is
 * valid only if the decoder's own mask says so (all pixels when it has none) and its value is finite, so NaN and
 * ±Inf never come back marked valid. The mask is updated in place (or created) and the map returned.
 */
export function finishDepthMap(map: DepthMap): DepthMap {
  const { data } = map;
  let valid = map.valid;
  if (valid && valid.length !== data.length) throw new Error(`validity mask has ${valid.length} entries for ${data.length} pixels`);
  if (!valid) {
    valid = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) valid[i] = data[i] - data[i] === 0 ? 1 : 0; // x − x is 0 only for finite x
  } else {
    for (let i = 0; i < data.length; i++) if (valid[i] && data[i] - data[i] !== 0) valid[i] = 0;
  }
  map.valid = valid;
  return map;
}
