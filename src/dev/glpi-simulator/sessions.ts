/**
 * GLPI API sessions are PHP sessions: an opaque id, the active entities, the list limit.
 * A new session sees only the user's default entity (the root) without its children, which is
 * why a client must call changeActiveEntities before searching a multi-entity GLPI.
 */
import { randomBytes } from 'node:crypto';

export interface Session {
  token: string;
  activeEntity: number;
  activeEntityRecursive: boolean;
  activeEntities: Set<number>;
  listLimit: number;
}

// PHP's session ids with sid_bits_per_character=5 use this alphabet; 26 characters like a default install.
const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const TOKEN_LENGTH = 26;

function newToken(): string {
  const bytes = randomBytes(TOKEN_LENGTH);
  let token = '';
  for (const byte of bytes) token += TOKEN_ALPHABET[byte % TOKEN_ALPHABET.length];
  return token;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  open(listLimit: number): Session {
    let token = newToken();
    while (this.sessions.has(token)) token = newToken();
    const session: Session = {
      token,
      activeEntity: 0,
      activeEntityRecursive: false,
      activeEntities: new Set([0]),
      listLimit,
    };
    this.sessions.set(token, session);
    return session;
  }

  /** Exact match: GLPI compares the untrimmed parameter with session_id(). */
  find(token: string): Session | undefined {
    return this.sessions.get(token);
  }

  close(token: string): boolean {
    return this.sessions.delete(token);
  }

  closeAll(): void {
    this.sessions.clear();
  }

  get size(): number {
    return this.sessions.size;
  }
}
