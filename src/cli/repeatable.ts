/** commander's argument parser for an option given more than once: each value appended to the list. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
