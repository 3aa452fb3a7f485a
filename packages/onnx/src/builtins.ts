import { registerCoreEmitters } from './emitters/core.js';
import { registerDinov2Emitters } from './emitters/dinov2.js';
import { registerDinov3Emitters } from './emitters/dinov3.js';
import { registerDptEmitters } from './emitters/dpt.js';
import { registerDysampleEmitters } from './emitters/dysample.js';
import { registerModelEmitters } from './emitters/anydepth.js';
import { registerSdtEmitters } from './emitters/sdt.js';

let registered = false;

/** Registers the emitters of every module this project builds (once; called by `exportOnnx`). */
export function registerBuiltinEmitters(): void {
  if (registered) return;
  registered = true;
  registerCoreEmitters();
  registerDinov2Emitters();
  registerDinov3Emitters();
  registerDysampleEmitters();
  registerSdtEmitters();
  registerDptEmitters();
  registerModelEmitters();
}
