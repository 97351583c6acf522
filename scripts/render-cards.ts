// Renders representative cards to HTML pages (and PNG screenshots when Chromium is installed),
// to look at the cards and for the README.
//
//   npx tsx scripts/render-cards.ts <outDir> [--lang es]   (Spanish, times in Madrid)
//
// The cards come from the real services on a temporary data directory, with a clock that
// stands still. Each page inlines the adaptivecards browser bundle and a Teams-like host
// config (light theme), so it opens from file://. Screenshots need /usr/bin/chromium and
// playwright-core (npm install --no-save playwright-core); without them only HTML is written.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Card } from '../cards/render.js';
import { inLocale, langOf } from '../services/i18n.js';
import { cardGallery } from './card-gallery.js';

const outDir = resolve(process.argv[2] ?? 'cards-preview');
const CHROMIUM = '/usr/bin/chromium';
const langAt = process.argv.indexOf('--lang');
const language = langOf(langAt > 0 ? process.argv[langAt + 1] : 'en');
const { cards } = await inLocale({ lang: language, timeZone: language === 'es' ? 'Europe/Madrid' : 'UTC' }, () => cardGallery());

// ---- HTML pages ----

const require = createRequire(import.meta.url);
const bundle = await readFile(require.resolve('adaptivecards/dist/adaptivecards.min.js'), 'utf8');
const baseCss = await readFile(require.resolve('adaptivecards/dist/adaptivecards.css'), 'utf8');

const fontFamily = "'Segoe UI', 'Segoe UI Web (West European)', -apple-system, BlinkMacSystemFont, 'Open Sans', Roboto, 'Helvetica Neue', 'Liberation Sans', Arial, sans-serif";
const colors = {
  default: { default: '#252424', subtle: '#616161' },
  dark: { default: '#252424', subtle: '#616161' },
  light: { default: '#ffffff', subtle: '#f3f2f1' },
  accent: { default: '#6264a7', subtle: '#8b8cc7' },
  good: { default: '#92c353', subtle: '#e592c353' },
  warning: { default: '#f8d22a', subtle: '#e5f8d22a' },
  attention: { default: '#c4314b', subtle: '#e5c4314b' },
};
const style = (backgroundColor: string) => ({ backgroundColor, foregroundColors: colors });
/** Teams light theme (after the Adaptive Cards designer's "Microsoft Teams - Light" host config). */
const hostConfig = {
  choiceSetInputValueSeparator: ',',
  supportsInteractivity: true,
  fontFamily,
  spacing: { small: 8, default: 12, medium: 16, large: 20, extraLarge: 24, padding: 16 },
  separator: { lineThickness: 1, lineColor: '#EEEEEE' },
  fontSizes: { small: 12, default: 14, medium: 14, large: 18, extraLarge: 24 },
  fontWeights: { lighter: 200, default: 400, bolder: 600 },
  containerStyles: {
    default: style('#ffffff'),
    emphasis: style('#f9f8f7'),
    accent: style('#C7DEF9'),
    good: style('#CCFFCC'),
    attention: style('#FFC5B2'),
    warning: style('#FFE2B2'),
  },
  actions: { maxActions: 6, spacing: 'Default', buttonSpacing: 8, actionsOrientation: 'Horizontal', actionAlignment: 'Left', showCard: { actionMode: 'Inline', inlineTopMargin: 16, style: 'emphasis' } },
  adaptiveCard: { allowCustomStyle: false },
  factSet: { title: { size: 'Default', color: 'Default', isSubtle: false, weight: 'Bolder', wrap: true, maxWidth: 150 }, value: { size: 'Default', color: 'Default', isSubtle: false, weight: 'Default', wrap: true }, spacing: 16 },
  inputs: { label: { requiredInputs: { weight: 'Bolder' }, optionalInputs: { weight: 'Default' } } },
};

const teamsCss = `
  body { margin: 0; padding: 16px; background: #f5f5f5; font-family: ${fontFamily}; color: #252424; }
  h1 { font-size: 12px; font-weight: 400; color: #616161; margin: 0 0 8px; }
  #frame { width: 560px; background: #fff; border-radius: 6px; box-shadow: 0 1.6px 3.6px rgba(0,0,0,.13), 0 .3px .9px rgba(0,0,0,.11); overflow: hidden; }
  .ac-pushButton { font-family: inherit; font-size: 14px; font-weight: 600; color: #252424; background: #fff; border: 1px solid #e1dfdd; border-radius: 4px; min-height: 32px; padding: 4px 12px; }
  .ac-pushButton:hover { background: #f3f2f1; }
  .ac-pushButton.style-positive { background: #6264a7; border-color: #6264a7; color: #fff; }
  .ac-pushButton.style-destructive { background: #fff; border-color: #e1dfdd; color: #c4314b; }
  .ac-input { font-family: inherit; font-size: 14px; color: #252424; }
  .ac-textInput, .ac-dateInput, .ac-choiceSetInput-compact, .ac-multiline { border: 1px solid #e1dfdd; border-bottom-color: #8a8886; border-radius: 3px; padding: 5px 8px; background: #fff; min-height: 32px; box-sizing: border-box; }
  .ac-multiline { min-height: 64px; }
`;

const escapeScript = (js: string) => js.replace(/<\/script/gi, '<\\/script');
const json = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

function page(title: string, card: Card): string {
  return `<!doctype html>
<html lang="${language}"><head><meta charset="utf-8"><title>${title.replace(/</g, '&lt;')}</title>
<style>${baseCss}</style><style>${teamsCss}</style></head>
<body>
<h1>${title.replace(/</g, '&lt;')}</h1>
<div id="frame"><div id="card"></div></div>
<script>${escapeScript(bundle)}</script>
<script>
  // Teams renders a subset of markdown in TextBlocks: bold, italic, links and line breaks.
  AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
    const html = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/\\*\\*(.+?)\\*\\*/g, '<strong>$1</strong>')
      .replace(/(^|[^\\w])_(.+?)_(?!\\w)/g, '$1<em>$2</em>')
      .replace(/\\[([^\\]]+)\\]\\((https?:[^)\\s]+)\\)/g, '<a href="$2">$1</a>')
      .replace(/\\n/g, '<br>');
    result.outputHtml = '<p>' + html + '</p>';
    result.didProcess = true;
  };
  const card = new AdaptiveCards.AdaptiveCard();
  card.hostConfig = new AdaptiveCards.HostConfig(${json(hostConfig)});
  card.onExecuteAction = (action) => console.log('action', action.getJsonTypeName(), action.verb ?? '', JSON.stringify(action.data ?? {}));
  card.parse(${json(card)});
  document.getElementById('card').appendChild(card.render());
  document.body.dataset.rendered = 'true';
</script>
</body></html>
`;
}

await mkdir(outDir, { recursive: true });
for (const { name, title, card } of cards) {
  await writeFile(join(outDir, `${name}.html`), page(title, card));
  await writeFile(join(outDir, `${name}.json`), `${JSON.stringify(card, null, 2)}\n`);
}
console.log(`${cards.length} cards written to ${outDir} (HTML and JSON).`);

// ---- screenshots ----

interface Locator {
  screenshot(options: { path: string }): Promise<unknown>;
}
interface BrowserPage {
  goto(url: string): Promise<unknown>;
  waitForSelector(selector: string, options?: { timeout?: number }): Promise<unknown>;
  locator(selector: string): Locator;
  on(event: 'console' | 'pageerror', listener: (message: { text?: () => string; message?: string }) => void): void;
  close(): Promise<void>;
}
interface Browser {
  newPage(options: { viewport: { width: number; height: number }; deviceScaleFactor: number }): Promise<BrowserPage>;
  close(): Promise<void>;
}
interface Playwright {
  chromium: { launch(options: { executablePath: string; args: string[] }): Promise<Browser> };
}

if (!existsSync(CHROMIUM)) {
  console.log(`${CHROMIUM} is not installed: no screenshots. Open the HTML pages in a browser.`);
} else {
  // Not a dependency of the project: install it for yourself with npm install --no-save playwright-core.
  const moduleName: string = 'playwright-core';
  const playwright = (await import(moduleName).catch(() => undefined)) as Playwright | undefined;
  if (!playwright) {
    console.log('playwright-core is not installed (npm install --no-save playwright-core): no screenshots.');
  } else {
    const browser = await playwright.chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      for (const { name } of cards) {
        const tab = await browser.newPage({ viewport: { width: 640, height: 900 }, deviceScaleFactor: 2 });
        tab.on('pageerror', (e) => console.error(`${name}: page error: ${e.message ?? ''}`));
        tab.on('console', (m) => {
          const text = m.text?.() ?? '';
          if (!text.startsWith('action')) console.log(`${name}: console: ${text}`);
        });
        await tab.goto(pathToFileURL(join(outDir, `${name}.html`)).href);
        await tab.waitForSelector('body[data-rendered]', { timeout: 10_000 });
        await tab.locator('#frame').screenshot({ path: join(outDir, `${name}.png`) });
        await tab.close();
      }
      console.log(`${cards.length} screenshots written to ${outDir}.`);
    } finally {
      await browser.close();
    }
  }
}
