export { BusError, BusTimeoutError, KvConflictError, NoRespondersError, RemoteError } from './errors.js';
export type { BusErrorCode } from './errors.js';
export type {
  Bus,
  BusMessage,
  KvChange,
  KvEntry,
  KvOptions,
  KvStore,
  KvWatch,
  RequestHandler,
  RequestOptions,
  SubscribeOptions,
  Subscription,
} from './bus.js';
export { DEFAULT_MAX_PAYLOAD_BYTES, decode, encode } from './codec.js';
export { decodeToken, encodeToken, subjects, tenantFromProducerSubject } from './subjects.js';
export { UNEXPECTED_STREAM_CODE } from './handler-result.js';
export { silentLogger } from './logger.js';
export type { BusLogger } from './logger.js';
export { MemoryBroker } from './memory-broker.js';
export type { MemoryBrokerOptions } from './memory-broker.js';
export { MemoryBus } from './memory-bus.js';
export type { MemoryBusOptions } from './memory-bus.js';
export { NatsBus } from './nats-bus.js';
export { connectNatsBus } from './nats-connect.js';
export type { NatsBusOptions } from './nats-connect.js';
export { openDurableQueue, publishDurable } from './durable-queue.js';
export type { DurableConsumer, DurableMessage, DurableQueue, DurableQueueOptions } from './durable-queue.js';
