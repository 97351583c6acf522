// Commands in English and in Spanish (Spain) become the same verbs; over HTTP, a seller typing in
// Spanish is understood.
import { afterEach, describe, expect, it } from 'vitest';
import { parseCommand } from '../bot/commands.js';
import { ana, cardText, startHarness, type Harness } from './helpers/bot-harness.js';

describe('parseCommand', () => {
  it('reads each command in both languages, accents and case aside', () => {
    const twins: [string, string][] = [
      ['help', 'ayuda'],
      ['new deal', 'Nuevo acuerdo'],
      ['inbound', 'entrantes'],
      ['outbound', 'salientes'],
      ['favorites', 'favoritos'],
      ['archive', 'archivo'],
      ['admin', 'Administración'],
      ['alerts here', 'alertas aquí'],
      ['alerts off', 'alertas no'],
      ['find contoso madrid', 'buscar contoso madrid'],
      ['deal 6e46aef7', 'acuerdo 6e46aef7'],
      ['language', 'idioma'],
    ];
    for (const [english, spanish] of twins) {
      expect(parseCommand(spanish), spanish).toEqual(parseCommand(english));
      expect(parseCommand(english), english).toBeDefined();
    }
    expect(parseCommand('idioma español')).toEqual({ verb: 'language', data: { language: 'español' } });
    expect(parseCommand('buscar Ñandú Logística')).toEqual({ verb: 'find', data: { query: 'Ñandú Logística', page: 0 } });
    for (const unknown of ['', 'buscar', 'acuerdo a b', 'hola que tal']) expect(parseCommand(unknown), unknown).toBeUndefined();
  });
});

describe('over HTTP', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('a seller typing in Spanish gets the card the command names, not “I didn’t catch that”', async () => {
    h = await startHarness();
    const help = cardText(await h.say(ana, 'ayuda'));
    expect(help).toContain('Co-sell Bot');
    expect(help).not.toContain('I didn’t catch that');
    expect(cardText(await h.say(ana, 'entrantes'))).toContain('Inbound referrals');
    expect(cardText(await h.say(ana, 'buscar contoso'))).toContain('contoso');
  });
});
