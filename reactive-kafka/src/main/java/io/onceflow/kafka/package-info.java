/**
 * Kafka for Onceflow: {@link io.onceflow.kafka.KafkaSource}, a source with checkpoint markers injected in-band, and
 * {@link io.onceflow.kafka.KafkaTransactionalSink}, the Kafka commit point, which writes each checkpoint's output,
 * dead letters, keyed-state changes and consumer offsets in one Kafka transaction; {@link io.onceflow.kafka.KafkaSink}
 * makes either it or, with {@link io.onceflow.kafka.DeliveryGuarantee#AT_LEAST_ONCE}, an at-least-once sink without
 * transactions.
 *
 * <p>Reactor Kafka and every other implementation detail live in {@code io.onceflow.kafka.internal}; nothing in
 * this package names them.
 */
@NullMarked
package io.onceflow.kafka;

import org.jspecify.annotations.NullMarked;
