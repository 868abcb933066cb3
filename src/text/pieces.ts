/**
 * Bytes cut where secrets are: what the adapters build (protocol/outgoing.ts)
 * and the transcript, the screen echo and the history consume, so it lives
 * below all of them.
 */
export interface Piece {
  bytes: Buffer;
  secret: boolean;
}

export interface Outgoing {
  pieces: Piece[];
}
