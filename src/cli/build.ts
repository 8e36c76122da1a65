/** `hotswap build [options] <pluginDir...> <outputDir>` */
import { Argument, Option, type Command } from 'commander';
import { cliLogger, formatBuildLine, formatLinkLines, printError } from './report.js';

interface BuildCommandOptions {
  version?: string;
  bundleDeps: boolean;
  sourceMap: boolean;
  /** The alias --no-sourcemap (the spelling of earlier versions). */
  sourcemap: boolean;
  watch: boolean;
  verbose: boolean;
  livePrefix?: string;
  staticLinking: boolean;
  sign?: string;
}

export function registerBuildCommand(program: Command): void {
  program
    .command('build')
    .description('bundle each plugin directory into a versioned artifact and manifest in the output directory')
    .usage('[options] <pluginDir...> <outputDir>')
    .argument('<paths...>', 'one or more plugin directories, then the output directory')
    // One variadic argument in the parser (commander allows no argument after a variadic one),
    // shown in the help as the two it really is.
    .configureHelp({
      visibleArguments: () => [
        new Argument('<pluginDir...>', 'one or more plugin directories (each with a root module index.ts)'),
        new Argument('<outputDir>', 'where the artifacts and manifests are written'),
      ],
    })
    .option('--version <label>', 'version label written into the manifests (default: first 12 hex digits of the sha256)')
    .option('--bundle-deps', 'bundle npm dependencies into the artifact instead of leaving them to the host', false)
    .option('--no-source-map', 'do not embed a source map')
    .addOption(new Option('--no-sourcemap', 'alias of --no-source-map').hideHelp())
    .option('--watch', 'rebuild a plugin whenever one of its files changes, until interrupted', false)
    .option('--live-prefix <prefix>', 'name prefix of live functions and types, matched ignoring case (default: "live_")')
    .option(
      '--static-linking',
      'write one TypeScript module, static-plugins.ts, that imports the plugins statically (for new PluginManager({ staticPlugins })) instead of artifacts',
      false,
    )
    .option('--sign <keyFile>', 'sign each manifest with this ed25519 private key (hotswap keygen); hosts with trustedKeys refuse unsigned builds')
    .option('--verbose', 'log what is built, sizes and times', false)
    .action(async (paths: string[], options: BuildCommandOptions, command: Command) => {
      if (paths.length < 2) command.error('error: give at least one plugin directory and then the output directory');
      const outDir = paths[paths.length - 1] as string;
      const common = {
        pluginDirs: paths.slice(0, -1),
        outDir,
        version: options.version,
        livePrefix: options.livePrefix,
        logger: cliLogger(options.verbose),
      };
      const print = (line: string): void => void process.stdout.write(line + '\n');
      // Loaded here, not at the top: every other command would pay for esbuild and acorn at start-up.
      const { buildPlugins, linkPluginsStatically, watchPlugins } = await import('../build/index.js');
      const sourceMap = options.sourceMap && options.sourcemap;
      if (options.staticLinking) {
        // Statically linked code is compiled by the host's own build: these options have no meaning.
        const unused = [options.watch && '--watch', options.bundleDeps && '--bundle-deps', !sourceMap && '--no-source-map', options.sign !== undefined && '--sign'];
        const given = unused.filter((flag): flag is string => typeof flag === 'string');
        if (given.length > 0) command.error(`error: ${given.join(', ')} cannot be used with --static-linking`);
        for (const line of formatLinkLines(await linkPluginsStatically(common))) print(line);
        return;
      }
      const signingKey = options.sign === undefined ? undefined : (await import('../signing/keys.js')).readSigningKey(options.sign);
      const artifacts = { ...common, bundleDeps: options.bundleDeps, sourcemap: sourceMap, signingKey };
      if (!options.watch) {
        for (const result of await buildPlugins(artifacts)) print(formatBuildLine(result));
        return;
      }
      const watcher = await watchPlugins({ ...artifacts, onBuild: (result) => print(formatBuildLine(result)), onError: printError });
      process.stderr.write(`watching ${common.pluginDirs.length} plugin(s), writing to ${outDir}; Ctrl+C to stop\n`);
      await stopOnSignal();
      await watcher.close();
    });
}

/** Resolves on the first SIGINT/SIGTERM, so the watcher is closed before the process exits. */
function stopOnSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
