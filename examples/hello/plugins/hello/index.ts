/**
 * The `hello` plugin. The host calls `manager.invoke('hello', 'greet', name)`; edit the greeting
 * or VERSION, rebuild, reload (`hotswap reload <pid>`), and the running host answers with the new
 * code.
 */
import { definePlugin } from 'hotswap/plugin';

const VERSION = 'v1';

export interface Greeting {
  readonly greeting: string;
  readonly version: string;
}

export default definePlugin({
  onLoad() {
    console.log(`hello ${VERSION}: loaded`);
  },
  onFree() {
    console.log(`hello ${VERSION}: freed`);
  },
  functions: {
    greet(name: string): Greeting {
      return { greeting: `Hello, ${name}!`, version: VERSION };
    },
  },
});
