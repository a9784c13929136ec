/**
 * The payments ledger the campaign runs: its records, their text encodings, and where each variant of the job writes.
 */
@NullMarked
package io.onceflow.chaos.ledger;

import org.jspecify.annotations.NullMarked;
