import { parityTests } from './parity-suite.js';

parityTests('cpu');
