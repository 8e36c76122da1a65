/** How every benchmark prints: a header naming the machine and Node, then a Markdown table. */
import { cpus, platform, release, totalmem } from 'node:os';

export function machineLine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${platform()} ${release()}`;
}

/** Prints `title`, the machine and Node version, then `rows` as a Markdown table. */
export function printTable(title: string, notes: readonly string[], header: readonly string[], rows: readonly (readonly string[])[]): void {
  const lines = [
    `## ${title}`,
    '',
    `- machine: ${machineLine()}`,
    `- node: ${process.version}`,
    ...notes.map((note) => `- ${note}`),
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

/** `met` or `missed`, with the measured value and the goal, for the goal line under a table. */
export function goalLine(name: string, met: boolean, measured: string, goal: string): string {
  return `goal: ${name} ${goal}: ${met ? 'met' : 'MISSED'} (${measured})`;
}
