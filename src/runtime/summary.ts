/** A one-line, human-readable account of what a reload did to each plugin. */
import type { PluginDetail } from './options.js';

/** e.g. `alpha v1 -> v2, beta v1 (unchanged), gamma v3 -> v3 (a plugin it imports was reloaded: beta)` */
export function summarizeDetails(details: readonly PluginDetail[]): string {
  return details
    .map((d) => {
      if (d.status === 'ok') {
        const change = d.previousVersion === undefined ? `${d.version} (new)` : `${d.previousVersion} -> ${d.version}`;
        return `${d.name} ${change}${d.reason === undefined ? '' : ` (${d.reason})`}`;
      }
      return `${d.name} ${d.version} (${d.status})`;
    })
    .join(', ');
}
