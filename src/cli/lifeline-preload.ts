/**
 * Loaded by `hotswap run` with `--import` into the program, before its first line: holds the
 * lifeline (lifeline.ts) that ends the program when the runner is gone.
 */
import { holdLifeline } from './lifeline.js';

holdLifeline();
