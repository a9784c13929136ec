/**
 * The Kafka to Kafka ledger benchmark: Onceflow exactly-once, the same pipeline at-least-once, and Kafka Streams
 * with {@code exactly_once_v2}, on one broker, in one invocation. See {@link io.onceflow.benchmarks.kafka.KafkaLedgerBenchmark}.
 */
@NullMarked
package io.onceflow.benchmarks.kafka;

import org.jspecify.annotations.NullMarked;
