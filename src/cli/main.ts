#!/usr/bin/env node
/** The `hotswap` command. Parsing and printing only: the work is done by src/build and src/control. */
import { Command, CommanderError } from 'commander';
import { HOTSWAP_VERSION } from '../version.js';
import { registerBuildCommand } from './build.js';
import { registerDevCommand } from './dev.js';
import { EXIT_USAGE, exitCodeFor, printError } from './report.js';
import { registerHotfixCommand } from './hotfix.js';
import { registerKeygenCommand } from './keygen.js';
import { registerFleetCommands } from './fleet.js';
import { registerReloadCommand } from './reload.js';
import { registerRollbackCommand } from './rollback.js';
import { registerRunCommand } from './run.js';
import { registerStatusCommands } from './status.js';
import { registerEventsCommand } from './events.js';

export function createProgram(): Command {
  const program = new Command('hotswap')
    .description('Reload the code of a running Node.js server without restarting it')
    .version(HOTSWAP_VERSION, '-V, --version', 'print the hotswap version')
    // Without this, `hotswap build --version 1.2` would print hotswap's version: program options
    // would be recognised after the subcommand too.
    .enablePositionalOptions()
    // Commander's own exits (usage errors, --help, --version) become throws, so that they get
    // the documented exit codes below; set before the subcommands, which inherit it.
    .exitOverride();
  registerBuildCommand(program);
  registerReloadCommand(program);
  registerRollbackCommand(program);
  registerRunCommand(program);
  registerDevCommand(program);
  registerHotfixCommand(program);
  registerStatusCommands(program);
  registerEventsCommand(program);
  registerKeygenCommand(program);
  registerFleetCommands(program);
  return program;
}

try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander printed the message (or the help) already.
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    printError(error);
    process.exitCode = exitCodeFor(error);
  }
}
