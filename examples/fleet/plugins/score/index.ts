import { definePlugin } from 'hotswap/plugin';

/** How a game scores a round; the demo publishes a new rule as a release. */
const RULE = 'v1: 10 points a hit';

export default definePlugin({
  functions: {
    rule: (): string => RULE,
  },
});
