import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { type LiveState, onLiveChanged } from './api';

/** The change stream's state, re-rendering the caller when it changes. */
export function useLive(): LiveState {
  const [live, setLive] = useState<LiveState>('connecting');
  useEffect(() => onLiveChanged(setLive), []);
  return live;
}

/**
 * What a view that follows the change stream says of it: "Updates live." once the server said
 * ready (unless `quiet`), a warning while the browser reconnects (what is shown may be stale),
 * nothing before the first connection.
 */
export function LiveNote({ quiet = false }: { quiet?: boolean }) {
  const live = useLive();
  if (live === 'live') return quiet ? null : html`<span class="live-note"> Updates live.</span>`;
  if (live === 'reconnecting') return html` <span class="paused" role="status">Live updates paused: reconnecting to the server…</span>`;
  return null;
}
