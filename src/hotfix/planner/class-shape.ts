/**
 * What a class is made of besides its methods: heritage, fields and static blocks. They run when the
 * class is defined or an instance is made, so a patch cannot change them for what already exists:
 * instances keep their fields, the class keeps its parent. Changes there are refused; method bodies
 * are functions and are planned like any other.
 */
import type { PropertyDefinition, StaticBlock } from 'acorn';
import type { Refusal } from '../types.js';
import type { ClassEntry } from './inventory.js';
import { locationOf, type ParsedSource } from './parse.js';
import { reasons } from './reasons.js';
import { fingerprint, maskedTokens } from './shell.js';
import { keyName } from './syntax.js';

interface ClassSide {
  readonly source: ParsedSource;
  readonly entry: ClassEntry;
}

export function classShapeRefusals(running: ClassSide, next: ClassSide): Refusal[] {
  const refusals: Refusal[] = [];
  const name = running.entry.name;
  const refuse = (reason: string, at: number, what: string = name): void => {
    refusals.push({ reason, name: what, location: locationOf(next.source, at) });
  };

  const heritage = (side: ClassSide): string => {
    const superClass = side.entry.node.superClass;
    return superClass ? shellOf(side, superClass.start, superClass.end) : '';
  };
  if (heritage(running) !== heritage(next)) refuse(reasons.heritageChanged(name), next.entry.node.superClass?.start ?? next.entry.start);

  const runningFields = fieldsOf(running);
  const nextFields = fieldsOf(next);
  for (const [key, field] of nextFields) {
    const before = runningFields.get(key);
    if (before === undefined) refuse(reasons.classField(key, name, 'added'), field.start, `${name}.${key}`);
    else if (before.shell !== field.shell) refuse(reasons.classField(key, name, 'changed'), field.start, `${name}.${key}`);
  }
  for (const key of runningFields.keys()) {
    if (!nextFields.has(key)) refuse(reasons.classField(key, name, 'removed'), next.entry.start, `${name}.${key}`);
  }

  const runningBlocks = staticBlocksOf(running);
  const nextBlocks = staticBlocksOf(next);
  const differs = Math.max(runningBlocks.length, nextBlocks.length);
  for (let i = 0; i < differs; i += 1) {
    if (runningBlocks[i]?.shell !== nextBlocks[i]?.shell) {
      refuse(reasons.staticBlockChanged(name), nextBlocks[i]?.start ?? next.entry.start);
      break;
    }
  }
  return refusals;
}

interface Part {
  readonly shell: string;
  readonly start: number;
}

/** Fields by name (`count`, `static total`, `#cache`), each with its shell: functions in it are masked. */
function fieldsOf(side: ClassSide): Map<string, Part> {
  const fields = new Map<string, Part>();
  for (const member of side.entry.node.body.body) {
    if (member.type !== 'PropertyDefinition') continue;
    const field: PropertyDefinition = member;
    const key = `${field.static ? 'static ' : ''}${keyName(field.key, field.computed, side.source.text)}`;
    fields.set(key, { shell: shellOf(side, field.start, field.end), start: field.start });
  }
  return fields;
}

function staticBlocksOf(side: ClassSide): Part[] {
  return side.entry.node.body.body
    .filter((member): member is StaticBlock => member.type === 'StaticBlock')
    .map((block) => ({ shell: shellOf(side, block.start, block.end), start: block.start }));
}

function shellOf(side: ClassSide, start: number, end: number): string {
  return fingerprint(maskedTokens(side.source, start, end, side.entry.children));
}
