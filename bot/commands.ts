// Text commands, turned into the same verbs the cards' buttons send. Each command is written once,
// with its words in English and in Spanish (Spain), as sellers of either language type them.
export interface Command {
  verb: string;
  data: Record<string, unknown>;
}

/** Whole-message commands: what a seller types, and the verb and data it becomes. */
const exact: { words: string[]; verb: string; data?: Record<string, unknown> }[] = [
  { words: ['help', 'hi', 'hello', 'start', 'ayuda', 'hola', 'inicio'], verb: 'help' },
  { words: ['new deal', 'new', 'nuevo acuerdo', 'nuevo'], verb: 'newDeal' },
  { words: ['inbound', 'entrantes'], verb: 'list', data: { box: 'inbound', page: 0 } },
  { words: ['outbound', 'salientes'], verb: 'list', data: { box: 'outbound', page: 0 } },
  { words: ['favorites', 'favoritos'], verb: 'list', data: { box: 'favorites', page: 0 } },
  { words: ['archive', 'archivo'], verb: 'list', data: { box: 'archive', page: 0 } },
  { words: ['admin', 'administracion'], verb: 'admin' },
  { words: ['alerts', 'alertas'], verb: 'alerts' },
  { words: ['alerts here', 'alertas aqui'], verb: 'alerts', data: { setting: 'here' } },
  { words: ['alerts off', 'alertas no'], verb: 'alerts', data: { setting: 'off' } },
  { words: ['language', 'idioma'], verb: 'language' },
  { words: ['export', 'exportar'], verb: 'export', data: { box: 'all' } },
  { words: ['export inbound', 'exportar entrantes'], verb: 'export', data: { box: 'inbound' } },
  { words: ['export archive', 'exportar archivo'], verb: 'export', data: { box: 'archive' } },
  { words: ['insights', 'estadisticas'], verb: 'insights', data: { scope: 'org' } },
  { words: ['insights me', 'my insights', 'estadisticas yo', 'mis estadisticas'], verb: 'insights', data: { scope: 'me' } },
];

/** Commands followed by what they act on: `find <text>`, `deal <id>`. */
const prefixed: { words: string[]; verb: string; key: string }[] = [
  { words: ['find', 'search', 'buscar'], verb: 'find', key: 'query' },
  { words: ['deal', 'open', 'acuerdo', 'abrir'], verb: 'open', key: 'referralId' },
  { words: ['language', 'idioma'], verb: 'language', key: 'language' },
];

/** What `language <word>` may name, in either language; auto follows the Teams client again. */
export const languageWords = {
  en: ['english', 'en', 'ingles'],
  es: ['spanish', 'es', 'espanol', 'castellano'],
  auto: ['auto', 'automatic', 'automatico', 'teams'],
} as const satisfies Record<string, readonly string[]>;

/** Lower case without accents: "Administración" and "alertas aquí" read as typed without them. */
export const fold = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

export function parseCommand(text: string): Command | undefined {
  const words = text.trim().replace(/\s+/g, ' ');
  const folded = fold(words);
  const whole = exact.find((c) => c.words.includes(folded));
  if (whole) return { verb: whole.verb, data: { ...whole.data } };
  const [first = '', ...rest] = words.split(' ');
  const command = prefixed.find((c) => c.words.includes(fold(first)));
  if (!command || rest.length === 0) return undefined;
  // A deal id is one word; a search is the rest of the message.
  if (command.verb === 'open' && rest.length > 1) return undefined;
  return { verb: command.verb, data: command.verb === 'find' ? { query: rest.join(' '), page: 0 } : { [command.key]: rest[0] } };
}
