/**
 * An `UpstreamTransport` around the gateway's own `UpstreamClient` that counts what the gateway asks X for: every
 * call (retries included, as X sees them) and, from each answer's body, the DM events X returned.
 */
import { UpstreamClient, type UpstreamRequest, type UpstreamResponse, type UpstreamTransport } from '../../src/upstream/client.js';
import { type Tally, addTo, emptyTally } from './dm.js';

/** The call's method: GET unless the request says otherwise (the manage endpoints' POST and DELETE). */
function methodOf(request: UpstreamRequest): string {
  return (request as { method?: string }).method ?? 'GET';
}

export class RecordingTransport implements UpstreamTransport {
  readonly #client: UpstreamClient;
  /** Since the last `take()`. */
  #tally: Tally = emptyTally();

  constructor(baseUrl: string) {
    this.#client = new UpstreamClient({ baseUrl });
  }

  async get<T>(request: UpstreamRequest): Promise<UpstreamResponse<T>> {
    try {
      const response = await this.#client.get<T>(request);
      addTo(this.#tally, { method: methodOf(request), path: request.path, body: response.body });
      return response;
    } catch (error) {
      // A failed call still spends the budget (X counts 400s; a 429 does not, but none happens here): no events.
      addTo(this.#tally, { method: methodOf(request), path: request.path });
      throw error;
    }
  }

  /** What was counted since the last take, and a fresh count from now on. */
  take(): Tally {
    const tally = this.#tally;
    this.#tally = emptyTally();
    return tally;
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}
