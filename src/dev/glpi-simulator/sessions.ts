/**
 * GLPI API sessions are PHP sessions: an opaque id, the active entities, the list limit.
 * A new session sees only the user's default entity (the root) without its children, which is
 * why a client must call changeActiveEntities before searching a multi-entity GLPI.
 */
import { randomBytes } from 'node:crypto';

export interface Session {
  token: string;
  activeEntity: number;
  /** GLPI reports the integer 0/1 straight after initSession, and a boolean after changeActiveEntities. */
  activeEntityRecursive: boolean | 0 | 1;
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

  /** A new session sees only the user's default entity, without its children, until the switch. */
  open(listLimit: number, defaultEntity = 0): Session {
    let token = newToken();
    while (this.sessions.has(token)) token = newToken();
    const session: Session = {
      token,
      activeEntity: defaultEntity,
      activeEntityRecursive: 0,
      activeEntities: new Set([defaultEntity]),
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
