import * as tf from '@tensorflow/tfjs-core';

export interface Padding {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/**
 * The official CenterPadding (the one home of the rule: AnyDepth, the DINOv3 encoder's `pad: 'center'`; the ONNX
 * emitter writes the same arithmetic into the graph): pad H and W up to the next multiple, split evenly
 * (top/left = pad // 2, bottom/right = the rest).
 */
export function centerPaddingFor(height: number, width: number, multiple: number): Padding {
  const padH = (multiple - (height % multiple)) % multiple;
  const padW = (multiple - (width % multiple)) % multiple;
  return { top: Math.floor(padH / 2), bottom: padH - Math.floor(padH / 2), left: Math.floor(padW / 2), right: padW - Math.floor(padW / 2) };
}

/** Zero-pads an NHWC image (already normalised, so 0 is the mean colour) to multiples of `multiple`. */
export function centerPad(image: tf.Tensor4D, multiple: number): { padded: tf.Tensor4D; padding: Padding } {
  const [, h, w] = image.shape;
  const padding = centerPaddingFor(h, w, multiple);
  if (!padding.top && !padding.bottom && !padding.left && !padding.right) return { padded: image, padding };
  const padded = tf.pad(image, [
    [0, 0],
    [padding.top, padding.bottom],
    [padding.left, padding.right],
    [0, 0],
  ]); // [B, H', W', C]
  return { padded, padding };
}
