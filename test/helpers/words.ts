// What a reader reads on a card, and the words that give away a language: to find text left in the
// other language.
/** The words of a card a reader reads: texts, titles, labels, placeholders, errors, facts and choices; never action data. */
export function wordsOf(card: unknown): string[] {
  const words: string[] = [];
  const walk = (node: unknown, key: string): void => {
    if (typeof node === 'string') {
      if (['text', 'title', 'label', 'placeholder', 'errorMessage', 'fallbackText', 'fact'].includes(key)) words.push(node);
    } else if (Array.isArray(node)) node.forEach((n) => walk(n, key));
    else if (typeof node === 'object' && node !== null) {
      const o = node as Record<string, unknown>;
      for (const [k, v] of Object.entries(o)) {
        if (k === 'data' || k === 'verb' || k === 'id') continue;
        // A fact's value is read; an input's value is what a person typed, a choice's the code it sends.
        walk(v, k === 'value' && 'title' in o && typeof v === 'string' && !('type' in o) && !('verb' in o) && key === 'facts' ? 'fact' : k);
      }
    }
  };
  walk(card, '');
  return words;
}

/** Words only English has (not "invite", which Spanish has too). */
export const ENGLISH = /\b(the|your|you|and|with|for|this|that|deal|deals|are|is|was|can|will|has|have|from|to|of|on|by|at|or|add|save|edit|accept|decline|cancel|back|next|team|notes?|customer|value|partners?|won|lost|received|accepted|expired|declined|open|find|help|new|page|more|none|archive|inbound|outbound|favorites|months?|days?|left|until|created|solutions?|stage|sales|contact|phone|name|reason|close|date|register|registration|assign|assigned|invited|remove|change|changes|history)\b/i;
/** Words only Spanish has. */
export const SPANISH = /\b(el|la|los|las|del|que|para|su|sus|con|acuerdos?|cliente|equipo|notas?|añadir|guardar|editar|aceptar|rechazar|cancelar|siguiente|atrás|valor|asociados?|ganado|perdido|días?|hasta|página|más|ninguna?|ayuda|buscar|venta|conjunta|nuevo|nueva|referencias?|solución|soluciones|fecha|cierre|motivo|registro|historial|invitar|quitar)\b/iu;


/** Names that are the same in both languages: Partner Center's own. */
const NAMES = ['Partner Center', 'Partner ID', 'id. de Partner', 'Id. de Partner'];

/**
 * The card's words that belong to the other language than the reader's. `quoted` is what people
 * typed (names, notes): quoted as typed, in whatever language they wrote it.
 */
export function leaks(card: unknown, language: 'en' | 'es', quoted: string[] = []): string[] {
  const other = language === 'es' ? ENGLISH : SPANISH;
  const strip = [...quoted, ...NAMES].sort((a, b) => b.length - a.length);
  return wordsOf(card).flatMap((words) => {
    const match = other.exec(strip.reduce((text, typed) => text.split(typed).join(' '), words));
    return match ? [`“${match[0]}” in “${words}”`] : [];
  });
}
