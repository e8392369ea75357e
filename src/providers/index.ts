import { mqttchat } from './mqttchat';
import { ringcentral } from './ringcentral';
import { superviz } from './superviz';
import type { Config } from '../config/env';
import { isEnabled, type ProviderAdapter } from './types';
import { telegram } from './telegram';
import { wamm } from './wamm';
import { webinato } from './webinato';

/**
 * Every provider Switchboard knows. Adding one: a folder under src/providers/<name>/ exporting a
 * ProviderAdapter, its fixtures under test/fixtures/<name>/, a fake in test/fakes/, and one line here.
 */
export const PROVIDERS: ProviderAdapter[] = [webinato, wamm, mqttchat, superviz, ringcentral, telegram];

/** The providers enabled by this configuration, by name. */
export function enabledAdapters(config: Config, providers: ProviderAdapter[] = PROVIDERS): Map<string, ProviderAdapter> {
  return new Map(providers.filter((p) => isEnabled(p, config)).map((p) => [p.name, p]));
}
