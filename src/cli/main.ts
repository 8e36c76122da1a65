#!/usr/bin/env node
/** The `hotswap` command. Parsing and printing only: the work is done by src/build (and later src/control). */
import { Command } from 'commander';
import { HOTSWAP_VERSION } from '../version.js';
import { registerBuildCommand } from './build.js';
import { printError } from './report.js';
import { registerHotfixCommand } from './hotfix.js';
import { registerReloadCommand } from './reload.js';
import { registerRunCommand } from './run.js';

export function createProgram(): Command {
  const program = new Command('hotswap')
    .description('Reload the code of a running Node.js server without restarting it')
    .version(HOTSWAP_VERSION, '-V, --version', 'print the hotswap version')
    // Without this, `hotswap build --version 1.2` would print hotswap's version: program options
    // would be recognised after the subcommand too.
    .enablePositionalOptions();
  registerBuildCommand(program);
  registerReloadCommand(program);
  registerRunCommand(program);
  registerHotfixCommand(program);
  return program;
}

try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  printError(error);
  process.exitCode = 1;
}
