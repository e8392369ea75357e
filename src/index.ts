/** The public entry: what bot authors and embedders import from 'switchboard'. */
import type { Switchboard, SwitchboardOptions } from './app/switchboard';
import type { Config } from './config/env';

export { defineBot } from './bots/define';
export type {
  Action,
  Bot,
  BotDefinition,
  BotEnvironment,
  BotStartEnvironment,
  BotStorage,
  Context,
  Handler,
  MessageFilter,
  Middleware,
  Outgoing,
  SendOptions,
  Target,
} from './bots/define';
export { readConfigFile } from './bots/config';
export { cutText, wordsPattern } from './bots/text';
export { FaqFile, loadFaq } from './bots/faq-file';
export type { Faq } from './bots/faq-file';
export { chunkText, expandKnowledgeFiles, indexKnowledge, KnowledgeIndex, readKnowledgeFiles } from './bots/knowledge';
export type { Embed, IndexResult, KnowledgeChunk, KnowledgeFile } from './bots/knowledge';
export type { BotsConfig, RouteSpec } from './bots/config';
export type { BotRoute, ReplyVia } from './bots/runtime';
export { ReceiveOnlyError, ProviderSendError } from './model/errors';
export type { ProviderAdapter, ProviderClient } from './providers/types';
export type { Button, Conversation, ConversationRef, Media, Message, MessageKind, OutgoingMessage, Participant, Role } from './model';
export type { Switchboard, SwitchboardOptions } from './app/switchboard';

/**
 * The whole server (Express, the pipeline, the console) in this process. Loaded when called, so a
 * bot, which imports this entry too, does not load the HTTP server into the processing thread.
 */
export async function createSwitchboard(config: Config, opts?: SwitchboardOptions): Promise<Switchboard> {
  const { createSwitchboard: create } = await import('./app/switchboard');
  return create(config, opts);
}
export { ConfigError, loadConfig } from './config/env';
export type { Config } from './config/env';
