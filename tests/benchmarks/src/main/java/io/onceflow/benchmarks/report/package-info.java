/**
 * The one-command benchmark report: {@link io.onceflow.benchmarks.report.ReportMain} runs every part in a child JVM
 * and renders {@code docs/benchmarks.md} with an SVG chart; the pure pieces (pacing, histogram summary, rendering)
 * are unit-tested.
 */
@NullMarked
package io.onceflow.benchmarks.report;

import org.jspecify.annotations.NullMarked;
