/**
 * A test kit for pipelines, with no server: a replayable in-memory source whose checkpoints a test triggers, an
 * in-memory commit point and idempotent sink that tell pending writes from committed ones and fail on command,
 * and builders for elements. Made for {@code StepVerifier}, with virtual time.
 */
@NullMarked
package io.onceflow.core.testkit;

import org.jspecify.annotations.NullMarked;
