/** The app's own functions: `hotswap dev` patches them in place when you save this file. */

export function visitorName(url: string): string {
  return new URL(url, 'http://localhost').searchParams.get('name') ?? 'stranger';
}

export function formatVisit(greeting: string, count: number): string {
  return `${greeting} (visit #${count})`;
}
