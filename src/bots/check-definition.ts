import { ConfigError } from '../config/env';
import { MessageKind } from '../model';

/**
 * A bot whose filter says `kind: 'txt'` or `evnt: 'status'` would never fire and nothing would
 * say why; `npm run typecheck` catches it in TypeScript, this catches it in plain JavaScript and
 * in code that built the filter at run time. Called by defineBot, so a bad bot stops start-up
 * naming the bot and the field.
 */
const DEFINITION_KEYS = [
  'name',
  'description',
  'options',
  'use',
  'filter',
  'onMessage',
  'on',
  'onStatus',
  'onPresence',
  'onSession',
  'onEdit',
  'onAction',
  'duringHandoff',
  'setup',
  'start',
];
const FILTER_KEYS = ['event', 'provider', 'kind', 'text', 'name', 'outbound'];
const EVENTS = ['message', 'status', 'presence', 'session', 'edited'];
const HANDLERS = ['onMessage', 'onStatus', 'onPresence', 'onSession', 'onEdit', 'setup', 'start'];

const quoted = (xs: readonly string[]) => xs.map((x) => `"${x}"`).join(', ');

function checkFilter(bot: string, where: string, filter: unknown): void {
  if (filter === undefined) return;
  const bad = (field: string, problem: string) => new ConfigError('BOTS', `bot "${bot}": ${where}.${field}: ${problem}`);
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter))
    throw new ConfigError('BOTS', `bot "${bot}": ${where}: expected an object such as { kind: 'text' }`);
  for (const key of Object.keys(filter)) if (!FILTER_KEYS.includes(key)) throw bad(key, `unknown filter key (known: ${quoted(FILTER_KEYS)})`);
  const f = filter as Record<string, unknown>;
  const listOf = (v: unknown) => (Array.isArray(v) ? v : [v]);
  if (f.kind !== undefined)
    for (const k of listOf(f.kind))
      if (!MessageKind.options.includes(k as MessageKind)) throw bad('kind', `"${String(k)}" is not a message kind (${quoted(MessageKind.options)})`);
  if (f.event !== undefined)
    for (const e of listOf(f.event)) if (!EVENTS.includes(e as string)) throw bad('event', `"${String(e)}" is not an event (${quoted(EVENTS)})`);
  for (const key of ['provider', 'name'] as const)
    if (f[key] !== undefined && !listOf(f[key]).every((v) => typeof v === 'string')) throw bad(key, 'expected a string or a list of strings');
  if (f.text !== undefined && typeof f.text !== 'string' && !(f.text instanceof RegExp)) throw bad('text', 'expected a string or a RegExp');
  if (f.outbound !== undefined && typeof f.outbound !== 'boolean') throw bad('outbound', 'expected true or false');
}

export function checkDefinition(def: Record<string, unknown> & { name: string }): void {
  const bot = def.name;
  for (const key of Object.keys(def))
    if (!DEFINITION_KEYS.includes(key))
      throw new ConfigError('BOTS', `bot "${bot}": unknown field "${key}" in defineBot({ … }) (known: ${quoted(DEFINITION_KEYS)})`);
  for (const key of HANDLERS)
    if (def[key] !== undefined && typeof def[key] !== 'function') throw new ConfigError('BOTS', `bot "${bot}": ${key}: expected a function`);
  checkFilter(bot, 'filter', def.filter);
  if (def.onAction !== undefined) {
    const actions = def.onAction as Record<string, unknown>;
    if (typeof actions !== 'object' || actions === null || Array.isArray(actions))
      throw new ConfigError('BOTS', `bot "${bot}": onAction: expected { <action>: handler }`);
    for (const [action, h] of Object.entries(actions))
      if (typeof h !== 'function') throw new ConfigError('BOTS', `bot "${bot}": onAction.${action}: expected a function`);
  }
  if (def.on !== undefined) {
    if (!Array.isArray(def.on)) throw new ConfigError('BOTS', `bot "${bot}": on: expected a list of { filter, handler }`);
    def.on.forEach((h: { filter?: unknown; handler?: unknown }, i) => {
      checkFilter(bot, `on[${i}].filter`, h?.filter);
      if (typeof h?.handler !== 'function') throw new ConfigError('BOTS', `bot "${bot}": on[${i}].handler: expected a function`);
    });
  }
}
