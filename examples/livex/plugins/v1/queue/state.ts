/** This version's module state: its label, and the vault of the newest generation it is part of. */
import type { Vault } from 'hotswap/plugin';
import type { JobDesk } from '../../../reports.js';

export const state: { version: string; vault: Vault<JobDesk> | undefined } = { version: '?', vault: undefined };

/** The vault set by the latest onVault: a live function has no ctx, only its data. */
export function currentVault(): Vault<JobDesk> {
  if (state.vault === undefined) throw new Error(`queue ${state.version} has no vault (freed?)`);
  return state.vault;
}
