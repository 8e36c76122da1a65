/**
 * `node --import hotswap/register app.ts`: runs TypeScript through hotswap's own loader, which
 * records how each file was transformed so the hotfix engine can patch .ts files later.
 */
import { register } from 'node:module';

register('./hooks.js', import.meta.url);
