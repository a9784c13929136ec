/**
 * The implementation of the Kafka source and transactional sink. Not an API: anything here may change without
 * notice.
 */
@NullMarked
package io.onceflow.kafka.internal;

import org.jspecify.annotations.NullMarked;
