import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, Module } from '@anydepth/core';
import { ConvModule } from './conv-module.js';
import { interpolateBilinear } from './interpolate.js';
import { PreActResidualConvUnit, ResidualConvUnit } from './residual-conv-unit.js';

/**
 * DINOv3 `FeatureFusionBlock`: `x = x + rcu1(skip)` (the skip resized to x with bilinear,
 * align_corners=False, when the sizes differ), `x = rcu2(x)`, ×2 bilinear upsampling
 * (align_corners=True), then a 1×1 projection with bias. The first block of the head has no
 * `res_conv_unit1`. State-dict names `project.conv.*`, `res_conv_unit{1,2}.conv{1,2}.conv.weight`.
 */
export class FeatureFusionBlock extends Module {
  readonly project: ConvModule;
  readonly resConvUnit1: PreActResidualConvUnit | null;
  readonly resConvUnit2: PreActResidualConvUnit;
  readonly alignCorners: boolean;

  constructor(
    readonly channels: number,
    options: { withSkip?: boolean; alignCorners?: boolean } = {},
  ) {
    super();
    this.alignCorners = options.alignCorners ?? true;
    this.project = this.addModule('project', new ConvModule(channels, channels, 1, { bias: true }));
    this.resConvUnit1 = (options.withSkip ?? true) ? this.addModule('res_conv_unit1', new PreActResidualConvUnit(channels)) : null;
    this.resConvUnit2 = this.addModule('res_conv_unit2', new PreActResidualConvUnit(channels));
  }

  /** x: [B, H, W, C]; skip: [B, H', W', C] → [B, 2H, 2W, C]. */
  forward(x: tf.Tensor, skip?: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let out = x;
      if (skip) {
        if (!this.resConvUnit1) throw new Error('FeatureFusionBlock: this block was built without res_conv_unit1 and takes no skip input');
        const res = interpolateBilinear(skip, [x.shape[1]!, x.shape[2]!], false); // [B, H, W, C]
        out = tf.add(out, this.resConvUnit1.forward(res));
      }
      out = this.resConvUnit2.forward(out);
      out = interpolateBilinear(out, [2 * out.shape[1]!, 2 * out.shape[2]!], this.alignCorners); // [B, 2H, 2W, C]
      return this.project.forward(out);
    });
  }
}

/**
 * Depth Anything V2 `FeatureFusionBlock` (expand=False, deconv=False): `out = x + resConfUnit1(skip)`,
 * `out = resConfUnit2(out)`, bilinear resize (align_corners=True) to `size` or ×2, then the 1×1
 * `out_conv` with bias. The skip is added without resizing (DAv2 passes matching sizes). State-dict
 * names `out_conv.*`, `resConfUnit{1,2}.conv{1,2}.*` (+ `bn{1,2}.*` when `useBn`).
 */
export class DAv2FeatureFusionBlock extends Module {
  readonly outConv: Conv2d;
  readonly resConfUnit1: ResidualConvUnit;
  readonly resConfUnit2: ResidualConvUnit;

  constructor(
    readonly features: number,
    useBn = false,
    readonly alignCorners = true,
  ) {
    super();
    this.outConv = this.addModule('out_conv', new Conv2d(features, features, 1));
    this.resConfUnit1 = this.addModule('resConfUnit1', new ResidualConvUnit(features, useBn));
    this.resConfUnit2 = this.addModule('resConfUnit2', new ResidualConvUnit(features, useBn));
  }

  /** x: [B, H, W, F]; skip: [B, H, W, F]; → [B, size0, size1, F] (default [2H, 2W]). */
  forward(x: tf.Tensor, skip?: tf.Tensor, size?: [number, number]): tf.Tensor {
    return tf.tidy(() => {
      let out = x;
      if (skip) out = tf.add(out, this.resConfUnit1.forward(skip)); // [B, H, W, F]
      out = this.resConfUnit2.forward(out);
      out = interpolateBilinear(out, size ?? [2 * out.shape[1]!, 2 * out.shape[2]!], this.alignCorners);
      return this.outConv.forward(out);
    });
  }
}
