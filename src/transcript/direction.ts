/** Where a record came from: client, server, or a note from mailsh. */
export type Direction = 'C:' | 'S:' | '==';
