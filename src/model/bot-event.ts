/** What the bots are asked to handle; one row per event, run in order per partition. */
export type DispatchEvent =
  | { type: 'message'; messageId: number }
  | { type: 'status'; messageId: number; status: string; rawStatus?: string; at: string }
  | { type: 'presence'; provider: string; participantExternalId?: string; presence: string; at: string }
  | { type: 'session'; messageId: number; name: string; data?: Record<string, unknown> }
  /** The message's text changed; it now holds the new one, `previousText` is what it said before. */
  | { type: 'edited'; messageId: number; previousText: string | null; at: string };
