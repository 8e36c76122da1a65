import { definePlugin } from 'hotswap/plugin';

/** How a game scores a round; the demo publishes new rules as releases. */
const RULE = 'v1: 10 points a hit';

export default definePlugin({
  functions: {
    rule: (): string => RULE,
    /** A round's score; every instance scores rounds all the time. */
    score: (hits: number, assists: number): number => hits * 10 + assists * 0,
  },
});
