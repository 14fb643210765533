/**
 * Connecting a command to Temporal, with an error that says where it looked.
 */
import type { Client } from '@temporalio/client';
import { connectClient, NotTemporalError, TemporalRefusedError } from '../client';
import type { ServiceConfig } from '../config';
import { CommandError, EXIT } from './run';

export async function withTemporal<T>(config: ServiceConfig, fn: (client: Client) => Promise<T>): Promise<T> {
  let client: Client;
  try {
    client = await connectClient(config);
  } catch (error) {
    if (error instanceof TemporalRefusedError) throw new CommandError(error.message, EXIT.configuration);
    if (error instanceof NotTemporalError) throw new CommandError(error.message, EXIT.unreachable);
    throw new CommandError((error as Error).message, EXIT.unreachable);
  }
  try {
    return await fn(client);
  } finally {
    await client.connection.close();
  }
}
