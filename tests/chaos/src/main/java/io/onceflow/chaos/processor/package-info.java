/**
 * The processor application the campaign runs in child JVMs: the ledger jobs of every variant, the crash switch that
 * halts a processor at an armed protocol point, and the two participants broken on purpose.
 */
@NullMarked
package io.onceflow.chaos.processor;

import org.jspecify.annotations.NullMarked;
