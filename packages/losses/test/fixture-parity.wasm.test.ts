import { parityTests } from './parity-suite.js';

// The same fixture parity on the wasm backend (different kernels and summation order).
parityTests('wasm');
