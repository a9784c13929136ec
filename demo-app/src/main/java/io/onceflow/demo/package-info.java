/**
 * The payments ledger on Spring Boot WebFlux: payments from Kafka, validated, folded into a running balance per
 * account and currency, written exactly once to the {@code ledger} topic (the commit point) and to a PostgreSQL
 * table (an idempotent participant), with invalid payments dead-lettered. A dashboard, a REST API, Actuator and a
 * batch mode make the exactly-once guarantee visible in numbers.
 */
@NullMarked
package io.onceflow.demo;

import org.jspecify.annotations.NullMarked;
