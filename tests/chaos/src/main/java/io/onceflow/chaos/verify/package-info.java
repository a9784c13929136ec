/**
 * The independent verifier: reads the input topic and a job's outputs (the output topic with read_committed, the
 * PostgreSQL tables, the committed positions) and computes from the input alone what they must hold.
 */
@NullMarked
package io.onceflow.chaos.verify;

import org.jspecify.annotations.NullMarked;
