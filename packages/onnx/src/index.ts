export { exportOnnx, type ExportOnnxOptions, type OnnxExport, type DynamicAxes } from './export-onnx.js';
export { type ExternalDataOptions, INLINE_WEIGHT_LIMIT } from './external-data.js';
export {
  registerEmitter,
  emitterFor,
  registeredClasses,
  emitForward,
  emitFeatures,
  emitHead,
  type ModuleEmitter,
  type OnnxFeature,
  type EmitArgs,
  type EncoderArgs,
} from './registry.js';
export { registerBuiltinEmitters } from './builtins.js';
export { EmitContext, END } from './emit-context.js';
export { GraphBuilder, type Value, type ValueSpec, type Initializer, type AttrValue, FloatAttr, floatAttr } from './graph-builder.js';
export { onnx, IR_VERSION, MIN_OPSET, DEFAULT_OPSET, MAX_OPSET } from './proto.js';
export { OnnxTensorSource, onnxTensorSource, isAnonymousName, type OnnxTensorSourceOptions } from './onnx-tensor-source.js';
export { OnnxCheckpoint, openOnnxCheckpoint, registerOnnxCheckpointReader } from './onnx-checkpoint.js';
