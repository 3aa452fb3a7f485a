import { defineConfig } from 'vitest/config';
import { baseTestConfig } from '../../vitest.shared.js';

export default defineConfig(baseTestConfig);
