import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { GlpiConfig } from './config';
import { GlpiAuthError, GlpiUnavailableError } from './errors';
import {
  errorFromBadBody,
  errorFromGlpiCode,
  errorFromHttpStatus,
  errorFromNetworkFailure,
  parseGlpiErrorBody,
  type AnswerContext,
} from './http-errors';
import { RequestLimiter } from './limiter';
import type { GlpiLogger } from './types';

export interface GlpiRequest {
  method: 'GET' | 'POST';
  /** Path after `apirest.php`, e.g. `search/Printer`. Logged, so never a secret in it. */
  endpoint: string;
  /** Encoded query string without `?`. Never put a token here: use headers. */
  query?: string;
  headers?: Record<string, string>;
  /** JSON body (POST only: GLPI rejects a GET with a body). */
  body?: unknown;
  timeoutMs?: number;
  /** false: one attempt only (killSession: nobody waits for it). */
  retry?: boolean;
  /** More values to mask in messages (the session token). */
  secrets?: readonly string[];
}

/** Told about every request attempt (metrics): its endpoint, outcome and duration. */
export type GlpiRequestObserver = (
  endpoint: string,
  outcome: 'ok' | 'auth_rejected' | 'unavailable' | 'error',
  seconds: number,
) => void;

export interface GlpiResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  body: unknown;
}

/**
 * HTTP to GLPI: keep-alive connections, the request limiter, our error kinds instead of axios
 * errors, and a few quick retries when GLPI is briefly unavailable.
 */
export class GlpiTransport {
  private readonly http: AxiosInstance;
  private readonly agent: http.Agent | https.Agent;
  private readonly limiter: RequestLimiter;
  /** ES private: never shown by util.inspect. */
  readonly #secrets: string[];

  constructor(
    private readonly config: GlpiConfig,
    private readonly logger: GlpiLogger,
    /** Credentials the caller sends in headers, so that they are masked too. */
    credentialSecrets: readonly string[],
    private readonly observe?: GlpiRequestObserver,
  ) {
    const agentOptions = { keepAlive: true, maxSockets: config.maxConcurrency };
    this.agent = config.url.startsWith('https:')
      ? new https.Agent({ ...agentOptions, rejectUnauthorized: config.verifyTls })
      : new http.Agent(agentOptions);
    this.http = axios.create({ httpAgent: this.agent, httpsAgent: this.agent });
    this.limiter = new RequestLimiter(config.maxConcurrency, config.maxRequestsPerSecond);
    this.#secrets = [config.appToken?.reveal() ?? '', ...credentialSecrets].filter((s) => s !== '');
  }

  /** Sends a request; retries quickly while GLPI is unavailable, within the retry budget. */
  async send(request: GlpiRequest): Promise<GlpiResponse> {
    const startedAt = Date.now();
    const attempts = request.retry === false ? 1 : this.config.retryAttempts;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.limiter.run(() => this.observed(request, attempt));
      } catch (error) {
        if (!(error instanceof GlpiUnavailableError) || attempt >= attempts) throw error;
        const backoffMs = this.config.retryBaseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random());
        const delayMs = Math.round(Math.max(backoffMs, error.retryAfterMs ?? 0));
        // Longer outages are for the caller's (Temporal's) retry policy, not for us to sit out.
        if (Date.now() - startedAt + delayMs > this.config.retryBudgetMs) throw error;
        this.logger.warn('GLPI unavailable, retrying', {
          method: request.method,
          endpoint: request.endpoint,
          code: error.code,
          attempt,
          delayMs,
        });
        await sleep(delayMs);
      }
    }
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  private async observed(request: GlpiRequest, attempt: number): Promise<GlpiResponse> {
    if (!this.observe) return this.attempt(request, attempt);
    const startedAt = performance.now();
    const done = (outcome: Parameters<GlpiRequestObserver>[1]) =>
      this.observe?.(request.endpoint, outcome, (performance.now() - startedAt) / 1000);
    try {
      const response = await this.attempt(request, attempt);
      done('ok');
      return response;
    } catch (error) {
      done(
        error instanceof GlpiAuthError
          ? 'auth_rejected'
          : error instanceof GlpiUnavailableError
            ? 'unavailable'
            : 'error',
      );
      throw error;
    }
  }

  private async attempt(request: GlpiRequest, attempt: number): Promise<GlpiResponse> {
    const ctx: AnswerContext = {
      method: request.method,
      endpoint: request.endpoint,
      url: this.config.url,
      secrets: [...this.#secrets, ...(request.secrets ?? [])],
    };
    const timeoutMs = request.timeoutMs ?? this.config.timeoutMs;
    // axios' own `timeout` is a socket-idle timeout; a server that trickles bytes or stalls after
    // the headers needs a hard deadline as well.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    const startedAt = Date.now();
    let response: AxiosResponse<string>;
    try {
      response = await this.http.request<string>({
        method: request.method,
        url: `${this.config.url}/${request.endpoint}${request.query ? `?${request.query}` : ''}`,
        headers: {
          Accept: 'application/json',
          'User-Agent': 'glpi-device-check',
          ...(this.config.appToken && { 'App-Token': this.config.appToken.reveal() }),
          ...(request.body !== undefined && { 'Content-Type': 'application/json' }),
          ...request.headers,
        },
        data: request.body === undefined ? undefined : JSON.stringify(request.body),
        timeout: timeoutMs,
        signal: deadline.signal,
        responseType: 'text',
        transformResponse: [(data: unknown) => data],
        validateStatus: () => true,
        // Following a redirect would resend the credentials to wherever it points.
        maxRedirects: 0,
        maxContentLength: 64 * 1024 * 1024,
      });
    } catch (error) {
      // Never rethrow or log the axios error itself: its config holds the credentials.
      const code = networkErrorCode(error);
      this.logRequest(request, attempt, startedAt, code ?? 'network error');
      throw errorFromNetworkFailure(code, deadline.signal.aborted, ctx);
    } finally {
      clearTimeout(timer);
    }

    this.logRequest(request, attempt, startedAt, response.status);
    const headers = lowerCaseHeaders(response.headers);
    const text = typeof response.data === 'string' ? response.data : '';
    const body = parseJson(text);

    if (response.status >= 200 && response.status < 300) {
      if (body === NOT_JSON) throw errorFromBadBody(response.status, headers['content-type'], text, ctx);
      return { status: response.status, headers, body };
    }
    const glpiError = body === NOT_JSON ? null : parseGlpiErrorBody(body);
    if (glpiError) throw errorFromGlpiCode(glpiError.code, glpiError.message, response.status, ctx);
    throw errorFromHttpStatus(response.status, headers, text, ctx);
  }

  private logRequest(request: GlpiRequest, attempt: number, startedAt: number, status: number | string): void {
    this.logger.debug('GLPI request', {
      method: request.method,
      endpoint: request.endpoint,
      status,
      ms: Date.now() - startedAt,
      ...(attempt > 1 && { attempt }),
    });
  }
}

const NOT_JSON = Symbol('not JSON');

function parseJson(text: string): unknown {
  if (text.trim() === '') return NOT_JSON;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

function networkErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, cause } = error as { code?: unknown; cause?: { code?: unknown } };
  // TLS verification errors carry their reason in the cause's code.
  if (typeof cause?.code === 'string') return cause.code;
  return typeof code === 'string' ? code : undefined;
}

function lowerCaseHeaders(raw: object): Record<string, string | undefined> {
  // axios' header object keeps each header as an own property (its methods are on the prototype).
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === 'string' || typeof value === 'number') headers[name.toLowerCase()] = String(value);
    else if (Array.isArray(value)) headers[name.toLowerCase()] = value.map(String).join(', ');
  }
  return headers;
}
