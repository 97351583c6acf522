// The baseline for bench/cards.ts: the least a botbuilder bot does to answer a card action, on
// the same stack as Co-sell Bot (restify with the same body parser, CloudAdapter without auth,
// TeamsActivityHandler). Started by the driver as a child process; not useful on its own.
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  TeamsActivityHandler,
  type InvokeResponse,
  type TurnContext,
} from 'botbuilder';
import type { AddressInfo } from 'node:net';
import restify from 'restify';
import { announceReady, serveDriver } from './child-ipc.js';

const started = performance.now();

class EchoBot extends TeamsActivityHandler {
  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    if (context.activity.name !== 'adaptiveCard/action') return super.onInvokeActivity(context);
    const verb = (context.activity.value as { action?: { verb?: unknown } } | undefined)?.action?.verb;
    const card = {
      type: 'AdaptiveCard',
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      version: '1.4',
      body: [{ type: 'TextBlock', text: `Echo: ${String(verb)}`, wrap: true }],
    };
    return { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } };
  }
}

// No app id: authentication is off, as in Co-sell Bot's local mode.
const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
const bot = new EchoBot();
const server = restify.createServer({ name: 'echo-bot' });
server.use(restify.plugins.bodyParser({ maxBodySize: 1024 * 1024 }));
server.post('/api/messages', async (req: restify.Request, res: restify.Response) => {
  await adapter.process(req, res, (context) => bot.run(context));
});

await new Promise<void>((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, '127.0.0.1', () => resolve());
});

serveDriver({}, async () => {
  server.close();
});
announceReady((server.address() as AddressInfo).port, performance.now() - started);
