// Text commands, turned into the same verbs the cards' buttons send.
export interface Command {
  verb: string;
  data: Record<string, unknown>;
}

export function parseCommand(text: string): Command | undefined {
  const words = text.trim().replace(/\s+/g, ' ');
  const lower = words.toLowerCase();
  if (lower === 'help' || lower === 'hi' || lower === 'hello' || lower === 'start') return { verb: 'help', data: {} };
  if (lower === 'new deal' || lower === 'new') return { verb: 'newDeal', data: {} };
  if (['inbound', 'outbound', 'favorites', 'archive'].includes(lower)) return { verb: 'list', data: { box: lower, page: 0 } };
  if (lower === 'admin') return { verb: 'admin', data: {} };
  if (lower === 'alerts') return { verb: 'alerts', data: {} };
  if (lower === 'alerts here') return { verb: 'alerts', data: { setting: 'here' } };
  if (lower === 'alerts off') return { verb: 'alerts', data: { setting: 'off' } };
  const find = /^(find|search) (.+)$/i.exec(words);
  if (find) return { verb: 'find', data: { query: find[2], page: 0 } };
  const deal = /^(deal|open) (\S+)$/i.exec(words);
  if (deal) return { verb: 'open', data: { referralId: deal[2] } };
  return undefined;
}
