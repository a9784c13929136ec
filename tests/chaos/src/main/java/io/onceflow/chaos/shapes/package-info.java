/**
 * Generated pipeline shapes: random compositions of the whole operator API over numbers that remember their source
 * partition, their input, the sinks they end in, and the oracle that says what a shape must commit.
 */
@NullMarked
package io.onceflow.chaos.shapes;

import org.jspecify.annotations.NullMarked;
