/** The greeter plugin: `hotswap dev` rebuilds and reloads it when you save this file. */
import { definePlugin } from 'hotswap/plugin';

export default definePlugin({
  functions: {
    greet: (name: string) => `Hello, ${name}!`,
  },
});
