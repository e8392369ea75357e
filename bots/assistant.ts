import { existsSync } from 'node:fs';
import OpenAI from 'openai';
import {
  ConfigError,
  type Context,
  defineBot,
  expandKnowledgeFiles,
  type Faq,
  indexKnowledge,
  type KnowledgeIndex,
  loadFaq,
  type Message,
  readKnowledgeFiles,
} from 'switchboard';
import { z } from 'zod';

/**
 * Answers with an OpenAI-compatible chat model (OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL).
 *
 * - Knowledge: `knowledge` lists files or globs (Markdown, text). At start they are chunked and
 *   embedded (OPENAI_EMBEDDING_MODEL) into the bot's storage, keyed by content, so a restart or an
 *   unchanged file costs no call; the chunks nearest the customer's question go into the prompt
 *   with their file's name, and the model is told to answer only from them.
 * - Tools: `handoff_to_human(reason)` hands the conversation to people (status `handoff`, the
 *   customer told, the reason sent to the operators' Telegram chat where the handoff bot relays
 *   their replies); `lookup_faq(question)` reads config/faq.json. Tool calls and results are logged
 *   with the delivery id and stored on the reply (meta.toolCalls).
 * - Guard rails: `maxTurnsBeforeHandoff`; token budgets per conversation and per day (stored
 *   counts; over budget: no model call, the fallback, and a warning in /api/health). Each call has
 *   a timeout and a few retries; when the model still fails the customer gets the fallback.
 */

const Options = z.strictObject({
  systemPrompt: z.string().min(1).default('You are a helpful, polite customer support assistant. Answer briefly, in the language of the customer.'),
  /** How many recent messages of the conversation (including the new one) the model sees. */
  history: z.number().int().min(1).max(100).default(12),
  /** Per attempt. */
  timeoutMs: z.number().int().min(100).default(20_000),
  retries: z.number().int().min(0).max(5).default(2),
  /** Default OPENAI_MODEL. */
  model: z.string().min(1).optional(),
  maxTokens: z.number().int().min(1).optional(),
  temperature: z.number().min(0).max(2).optional(),
  fallback: z.string().min(1).default('Sorry, I cannot answer right now. Please try again in a few minutes, or write "operator" to reach a person.'),
  /** Files or globs (absolute, or relative to the working directory) the answers come from. */
  knowledge: z.array(z.string().min(1)).default([]),
  /** Chunks put into the prompt per question. */
  topK: z.number().int().min(1).max(20).default(4),
  /** Default OPENAI_EMBEDDING_MODEL. */
  embeddingModel: z.string().min(1).optional(),
  /** The FAQ file behind the lookup_faq tool; the tool is offered when the file exists. */
  faqFile: z.string().min(1).default('config/faq.json'),
  /** Offer the model handoff_to_human. */
  handoff: z.boolean().default(true),
  connectingText: z.string().min(1).default('I am passing you to a person; please wait, they will answer here.'),
  /** Where operators work (default TELEGRAM_OPERATOR_CHAT_ID); the reason of each hand-off goes there. */
  operatorChat: z
    .union([z.string().regex(/^-?\d+$/), z.number().int()])
    .transform(String)
    .optional(),
  /** After this many answers in one conversation, hand it to a person. */
  maxTurnsBeforeHandoff: z.number().int().min(1).optional(),
  budget: z.strictObject({ perConversationTokens: z.number().int().min(1).optional(), perDayTokens: z.number().int().min(1).optional() }).default({}),
});
type Options = z.output<typeof Options>;

interface State extends Record<string, unknown> {
  tokens?: number;
  turns?: number;
}

const clients = new WeakMap<Options, OpenAI>();
const faqs = new WeakMap<Options, Faq | undefined>();
const indexes = new WeakMap<Options, Promise<KnowledgeIndex | undefined>>();
const files = new WeakMap<Options, string[]>();

type ChatMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;

/** The conversation as the model sees it: customers are `user`, our bots' replies `assistant`. */
export function toChat(systemPrompt: string, history: Message[]): { role: 'system' | 'user' | 'assistant'; content: string }[] {
  const turns = history
    .filter((m) => m.kind === 'text' && m.text && m.status !== 'failed')
    .map((m) => (m.direction === 'outbound' ? { role: 'assistant' as const, content: m.text! } : { role: 'user' as const, content: m.text! }));
  return [{ role: 'system', content: systemPrompt }, ...turns];
}

const TOOLS = {
  handoff_to_human: {
    type: 'function',
    function: {
      name: 'handoff_to_human',
      description: 'Pass the conversation to a human operator: when the sources do not answer the question, the customer is upset, or asks for a person.',
      parameters: { type: 'object', properties: { reason: { type: 'string', description: 'Why, in one sentence, for the operator' } }, required: ['reason'] },
    },
  },
  lookup_faq: {
    type: 'function',
    function: {
      name: 'lookup_faq',
      description: "Look the customer's question up in the company's FAQ.",
      parameters: { type: 'object', properties: { question: { type: 'string' } }, required: ['question'] },
    },
  },
} as const satisfies Record<string, OpenAI.Chat.Completions.ChatCompletionTool>;

function embedder(client: OpenAI, model: string) {
  return async (inputs: string[]) => {
    const r = await client.embeddings.create({ model, input: inputs });
    const vectors = [...r.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
    return { vectors, tokens: r.usage?.total_tokens };
  };
}

function buildIndex(
  options: Options,
  config: { OPENAI_EMBEDDING_MODEL: string },
  storage: Context['storage'],
  progress?: (m: string, meta?: Record<string, unknown>) => void,
) {
  const paths = files.get(options) ?? [];
  if (paths.length === 0) return Promise.resolve(undefined);
  return indexKnowledge({
    files: readKnowledgeFiles(paths),
    embed: embedder(clients.get(options)!, options.embeddingModel ?? config.OPENAI_EMBEDDING_MODEL),
    storage,
    model: options.embeddingModel ?? config.OPENAI_EMBEDDING_MODEL,
    progress,
  }).then((r) => {
    progress?.(`knowledge: ${r.chunks} chunks from ${paths.length} files ready (${r.embedded} embedded now)`, { chunks: r.chunks, embedded: r.embedded });
    return r.index;
  });
}

export default defineBot<State, Options>({
  name: 'assistant',
  description: 'Answers with an OpenAI-compatible chat model, from your documents, and hands off to people',
  options: Options,
  filter: { kind: 'text' },
  setup({ options, config }) {
    // Named in the problem, not as the variable: the log redacts whatever follows "API_KEY:".
    if (!config.OPENAI_API_KEY)
      throw new ConfigError('assistant', 'OPENAI_API_KEY is not set; the bot needs a key for the OpenAI-compatible API (OPENAI_BASE_URL)');
    clients.set(
      options,
      new OpenAI({ apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL, timeout: options.timeoutMs, maxRetries: options.retries }),
    );
    faqs.set(options, existsSync(options.faqFile) ? loadFaq(options.faqFile) : undefined);
    const found = expandKnowledgeFiles(options.knowledge);
    for (const f of found) if (!existsSync(f)) throw new ConfigError('assistant', `knowledge file ${f} does not exist`);
    if (options.knowledge.length > 0 && found.length === 0) throw new ConfigError('assistant', `no knowledge file matches ${options.knowledge.join(', ')}`);
    files.set(options, found);
  },
  start({ options, config, storage, progress }) {
    const ready = buildIndex(options, config, storage, progress);
    indexes.set(options, ready);
    return ready.then(() => undefined);
  },
  async onMessage(ctx) {
    if (!ctx.canReply || !ctx.message?.text) return; // nobody could read the answer: do not pay for it
    const { options } = ctx;
    const state = ctx.state;
    if (options.maxTurnsBeforeHandoff && (state.turns ?? 0) >= options.maxTurnsBeforeHandoff) {
      return handOff(ctx, `${state.turns} answers without resolving the question`, []);
    }
    const day = new Date().toISOString().slice(0, 10);
    const overBudget = await budgetReached(ctx, day);
    if (overBudget) {
      ctx.log.warn(`token budget reached (${overBudget}); sending the fallback without a model call`);
      await ctx.storage.warn('budget', `token budget reached (${overBudget}); answering with the fallback`);
      await ctx.reply(options.fallback);
      return;
    }

    await ctx.typing(); // "typing…" while the model thinks (Telegram), until the answer goes
    const client = clients.get(options)!;
    const history = await ctx.history(options.history);
    const toolCalls: { name: string; arguments: unknown; result: string }[] = [];
    let tokens = 0;
    let answer: string | undefined;
    try {
      if (!indexes.has(options)) indexes.set(options, buildIndex(options, ctx.config, ctx.storage));
      const index = await indexes.get(options);
      const { system, sources } = index ? await grounded(ctx, index, history) : { system: options.systemPrompt, sources: [] as string[] };
      const messages: ChatMessage[] = toChat(system, history);
      const tools = [...(options.handoff ? [TOOLS.handoff_to_human] : []), ...(faqs.get(options) ? [TOOLS.lookup_faq] : [])];
      for (let round = 0; round < 3 && answer === undefined; round++) {
        const completion = await client.chat.completions.create({
          model: options.model ?? ctx.config.OPENAI_MODEL,
          messages,
          ...(tools.length > 0 ? { tools } : {}),
          ...(options.maxTokens ? { max_tokens: options.maxTokens } : {}),
          ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
        });
        tokens += completion.usage?.total_tokens ?? 0;
        const choice = completion.choices[0]?.message;
        const calls = (choice?.tool_calls ?? []).filter((c) => c.type === 'function');
        if (calls.length === 0) {
          answer = choice?.content?.trim() || undefined;
          if (!answer) ctx.log.warn('model returned no text; sending the fallback', { finishReason: completion.choices[0]?.finish_reason });
          break;
        }
        messages.push({ role: 'assistant', content: choice?.content ?? null, tool_calls: calls });
        for (const call of calls) {
          const args = parseArgs(call.function.arguments);
          if (call.function.name === 'handoff_to_human') {
            const reason = String(args.reason ?? 'the model asked for a person');
            toolCalls.push({ name: 'handoff_to_human', arguments: args, result: 'handed off' });
            ctx.log.info('model called handoff_to_human', { tool: 'handoff_to_human', reason, sources });
            await countTokens(ctx, day, tokens);
            return handOff(ctx, reason, toolCalls);
          }
          const result =
            call.function.name === 'lookup_faq'
              ? (faqs.get(options)?.answer(String(args.question ?? '')) ?? 'No FAQ entry matches.')
              : `unknown tool ${call.function.name}`;
          toolCalls.push({ name: call.function.name, arguments: args, result });
          ctx.log.info(`model called ${call.function.name}`, { tool: call.function.name, arguments: args, result });
          messages.push({ role: 'tool', tool_call_id: call.id, content: result });
        }
      }
      if (answer !== undefined) await ctx.reply(answer, { meta: { toolCalls, sources } });
    } catch (err) {
      const e = err as Error & { status?: number };
      ctx.log.warn('model call failed; sending the fallback', { error: e.message, status: e.status, kind: e.constructor?.name });
    }
    await countTokens(ctx, day, tokens);
    if (answer === undefined) await ctx.reply(options.fallback, { meta: { toolCalls } });
    else state.turns = (state.turns ?? 0) + 1;
  },
});

function parseArgs(s: string): Record<string, unknown> {
  try {
    const v = JSON.parse(s);
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}

/** The system prompt with the chunks nearest the question (and the last turns), each with its file. */
async function grounded(ctx: Context<State, Options>, index: KnowledgeIndex, history: Message[]) {
  const asked = history
    .filter((m) => m.direction === 'inbound' && m.text)
    .slice(-3)
    .map((m) => m.text)
    .join('\n');
  const [vector] = (await embedder(clients.get(ctx.options)!, ctx.options.embeddingModel ?? ctx.config.OPENAI_EMBEDDING_MODEL)([asked])).vectors;
  const hits = index.search(vector!, ctx.options.topK);
  const sources = [...new Set(hits.map((h) => h.chunk.source))];
  const system =
    `${ctx.options.systemPrompt}\n\nAnswer only from the sources below; never invent facts. ` +
    'If they do not answer the question, or the customer is upset or asks for a person, call handoff_to_human. ' +
    'Always answer in the language the customer writes in.\n\nSources:\n' +
    hits.map((h, i) => `[${i + 1}] (${h.chunk.source})\n${h.chunk.text}`).join('\n\n');
  return { system, sources };
}

async function budgetReached(ctx: Context<State, Options>, day: string): Promise<string | undefined> {
  const { perConversationTokens, perDayTokens } = ctx.options.budget;
  if (perConversationTokens && (ctx.state.tokens ?? 0) >= perConversationTokens) return `${perConversationTokens} tokens in this conversation`;
  if (perDayTokens) {
    const used = Number((await ctx.storage.get([`tokens:day:${day}`])).get(`tokens:day:${day}`) ?? 0);
    if (used >= perDayTokens) return `${perDayTokens} tokens today`;
  }
  return undefined;
}

async function countTokens(ctx: Context<State, Options>, day: string, tokens: number): Promise<void> {
  if (tokens <= 0) return;
  ctx.state.tokens = (ctx.state.tokens ?? 0) + tokens;
  await ctx.storage.add(`tokens:day:${day}`, tokens);
}

/** Status handoff (other bots fall silent), the customer told, and the reason in front of the operators. */
async function handOff(ctx: Context<State, Options>, reason: string, toolCalls: unknown[]): Promise<void> {
  const conversation = ctx.conversation!;
  ctx.setConversationStatus('handoff');
  await ctx.reply(ctx.options.connectingText, { meta: { toolCalls, handoffReason: reason } });
  const chat = ctx.options.operatorChat ?? ctx.config.TELEGRAM_OPERATOR_CHAT_ID;
  if (chat && !(conversation.provider === 'telegram' && conversation.externalId === chat)) {
    const who = ctx.participant?.name ?? ctx.message?.author.name ?? ctx.message?.author.id;
    const where = `${conversation.provider}, ${conversation.title ? `"${conversation.title}"` : conversation.externalId}`;
    // meta.handoff is what the handoff bot reads when an operator replies to this message.
    await ctx.send(
      { provider: 'telegram', externalId: chat },
      `🙋 ${who} (${where}) was handed over by the assistant: ${reason}. Reply to this message to answer; reply /done to hand back.\n${ctx.message?.text ?? ''}`,
      { meta: { handoff: { conversationId: conversation.id } } },
    );
  }
  ctx.log.info('conversation handed off to operators by the assistant', { conversationId: conversation.id, reason });
}
