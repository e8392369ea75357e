/** The public entry: what bot authors and embedders import from 'switchboard'. */
export { defineBot } from './bots/define';
export type { Bot, BotDefinition, BotEnvironment, Context, Handler, MessageFilter, Middleware, Outgoing } from './bots/define';
export { ReceiveOnlyError, ProviderSendError } from './providers/types';
export type { ProviderAdapter, ProviderClient } from './providers/types';
export type { Conversation, ConversationRef, Message, MessageKind, OutgoingMessage, Participant, Role } from './model';
export { createSwitchboard } from './server';
export { loadConfig } from './config/env';
