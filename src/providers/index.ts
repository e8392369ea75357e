import { mqttchat } from './mqttchat';
import { ringcentral } from './ringcentral';
import { superviz } from './superviz';
import type { ProviderAdapter } from './types';
import { telegram } from './telegram';
import { wamm } from './wamm';
import { webinato } from './webinato';

/**
 * Every provider Switchboard knows. Adding one: a folder under src/providers/<name>/ exporting a
 * ProviderAdapter, its fixtures under test/fixtures/<name>/, a fake in test/fakes/, and one line here.
 */
export const PROVIDERS: ProviderAdapter[] = [
  webinato,
  wamm,
  mqttchat,
  superviz,
  ringcentral,
  telegram,
];
