/** Live data helpers, as plugins see them: `import { live } from 'hotswap/plugin'`. */
import { check, isLiveData, unwrap, wrap } from './data.js';

export const live = { wrap, unwrap, check, isLiveData } as const;
export { LIVE_TYPE_TAG } from './data.js';
export type { CheckOptions, LiveData } from './data.js';
