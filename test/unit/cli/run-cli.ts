/**
 * Runs the compiled `hotswap` CLI for real, in a child process: the examples' runner
 * (examples/shared/processes.ts), under the names the CLI tests use.
 */
export { CLI, runHotswap as runCli, type CliResult as CliRun } from '../../../examples/shared/processes.js';
