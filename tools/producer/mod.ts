// `norn/producer`: the typed client for NATS-attached producers on Norn's durable stream.

export { NornProducer, NornProducerError } from './producer.js';
export type { NornProducerOptions, ProducerEntry, ProducerStream } from './producer.js';
