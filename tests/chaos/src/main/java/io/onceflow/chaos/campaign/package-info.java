/**
 * The campaign driver: the profiles, the paced producer, the fleet of processor JVMs and their supervision, the fault
 * schedule, and the table of results.
 */
@NullMarked
package io.onceflow.chaos.campaign;

import org.jspecify.annotations.NullMarked;
