/** `hotswap keygen [name]`: an ed25519 key pair for signing builds and patches. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { generateSigningKeys } from '../signing/keys.js';

export function registerKeygenCommand(program: Command): void {
  program
    .command('keygen')
    .description('write an ed25519 key pair: <name>.key (private, mode 0600, for --sign) and <name>.pub (public, for trustedKeys)')
    .argument('[name]', 'path and base name of the two files', 'hotswap-signing')
    .option('--force', 'overwrite existing files', false)
    .action((name: string, options: { force: boolean }) => {
      const keys = generateSigningKeys();
      const privateFile = resolve(`${name}.key`);
      const publicFile = resolve(`${name}.pub`);
      // 'wx' refuses an existing file: a key pair is not replaced by accident.
      const flag = options.force ? 'w' : 'wx';
      writeFileSync(privateFile, keys.privateKeyPem, { mode: 0o600, flag });
      writeFileSync(publicFile, keys.publicKeyPem, { mode: 0o644, flag });
      process.stdout.write(`wrote ${privateFile} (private: keep it secret; hotswap build --sign ${name}.key)\nwrote ${publicFile} (public: give it to hosts as trustedKeys)\nkey id ${keys.keyId}\n`);
    });
}
