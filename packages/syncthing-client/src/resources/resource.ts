import type { Transport } from '../internal/transport.js';

/** Base of the resource namespaces: they share the client's transport. */
export abstract class Resource {
  /** @internal */
  protected readonly transport: Transport;
  constructor(transport: Transport) {
    this.transport = transport;
  }
}
