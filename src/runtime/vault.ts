/**
 * The vault of one generation: what the host hands to each plugin's onInit. A new vault, with a new
 * extension object from the manager's `extension()` factory, is built for every generation, so
 * nothing a plugin put into an old generation's extension survives into the next one.
 */
import type { Vault } from '../plugin/definition.js';

export class GenerationVault<Ext> implements Vault<Ext> {
  readonly extension: Ext;

  constructor(extension: Ext) {
    this.extension = extension;
  }
}
