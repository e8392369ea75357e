import type { ProviderInputs } from '../admin/health';
import type { Config } from '../config/env';
import { apiCallState, isFailing, originOf } from '../providers/api-calls';
import type { ProviderAdapter } from '../providers/types';

/** What /api/health needs to know of a provider's outbound side: whether it polls, and how the calls to its API went. */
export function providerCalls(adapter: ProviderAdapter | undefined, config: Config): Pick<ProviderInputs, 'polls' | 'apiUrlVariable' | 'api'> {
  if (!adapter) return { polls: false };
  const origin = adapter.apiUrlVariable ? originOf(String(config[adapter.apiUrlVariable] ?? '')) : undefined;
  const state = origin ? apiCallState(origin) : undefined;
  return {
    polls: adapter.polls?.(config) ?? false,
    apiUrlVariable: adapter.apiUrlVariable,
    api: state && { ...state, failing: isFailing(state) },
  };
}
