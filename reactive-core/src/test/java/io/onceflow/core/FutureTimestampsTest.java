package io.onceflow.core;

import static io.onceflow.core.DeadLetters.deadLetterOf;
import static io.onceflow.core.DeadLetters.deadLettersIn;
import static io.onceflow.core.testkit.TestElements.data;
import static io.onceflow.core.testkit.TestElements.marker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;

/**
 * A record dated far ahead of the processor's clock, from a producer with a wrong clock or a hostile one (a broker
 * with CreateTime takes a timestamp up to an hour ahead by default, and a record may carry {@code Long.MAX_VALUE}):
 * the event-time operators dead-letter it with a {@link FutureTimestampException}, and their watermark stays where
 * it was. Before, it moved the watermark past every record to come, and they were all dead-lettered as late: the
 * window operator's for as long as the record was ahead, the deduplicate operator's likewise, for ever at
 * {@code Long.MAX_VALUE}.
 */
class FutureTimestampsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final long HOUR = 3_600_000L;

    record Pay(String account, int amount) {}

    private final long now = System.currentTimeMillis();

    /** Two payments a second apart, one dated {@code hostile} between them, one more after. */
    private List<StreamElement<Pay>> input(long hostile) {
        return List.of(
                data(new Pay("a", 1), 0, 0, now - 2_000),
                data(new Pay("b", 2), 0, 1, hostile),
                data(new Pay("c", 3), 0, 2, now - 1_000),
                marker(1, 3),
                data(new Pay("a", 4), 0, 3, now),
                marker(2, 4));
    }

    /** The last watermark the operator committed at a marker, as its state entry holds it. */
    private static long watermark(List<? extends StreamElement<?>> output) {
        long watermark = Long.MIN_VALUE;
        for (StreamElement<?> element : output) {
            if (element instanceof Marker<?> marker) {
                for (StateChange change : marker.stateChanges()) {
                    if (change.key().equals("watermark")) {
                        watermark = Long.parseLong(new String(change.value(), StandardCharsets.UTF_8));
                    }
                }
            }
        }
        return watermark;
    }

    private static Function<Flux<StreamElement<Pay>>, Flux<StreamElement<WindowResult<String, Integer>>>> totals(
            Windows windows) {
        return Checkpointed.window(windows, Pay::account, () -> 0, (sum, pay) -> sum + pay.amount());
    }

    @ParameterizedTest
    @ValueSource(longs = {HOUR, Long.MAX_VALUE / 2})
    void aWindowOperatorDeadLettersARecordDatedTooFarAheadAndKeepsItsWatermark(long ahead) {
        List<StreamElement<Pay>> input = input(now + ahead);
        List<StreamElement<WindowResult<String, Integer>>> output =
                OperatorRuns.through(input, totals(Windows.tumbling(Duration.ofSeconds(10))));

        assertThat(deadLettersIn(output)).singleElement().satisfies(dead -> {
            deadLetterOf(
                            (Data<?>) input.get(1),
                            "window:window",
                            FutureTimestampException.class,
                            "ahead of this" + " processor's clock, more than the PT5M the operator takes")
                    .accept(dead);
            assertThat(dead.errorMessage()).startsWith("window operator 'window': the record at test-0@1");
        });
        assertThat(watermark(output)).isEqualTo(now);
    }

    @Test
    void aWindowOperatorDeadLettersARecordAtTheLargestTimestamp() {
        List<StreamElement<WindowResult<String, Integer>>> output =
                OperatorRuns.through(input(Long.MAX_VALUE), totals(Windows.tumbling(Duration.ofSeconds(10))));

        assertThat(deadLettersIn(output))
                .singleElement()
                .satisfies(dead -> assertThat(dead.error())
                        .isInstanceOf(FutureTimestampException.class)
                        .hasMessageContaining("timestamp 9223372036854775807 (+292278994-08-17T07:12:55.807Z)"));
    }

    @Test
    void aWindowOperatorTakesARecordWithinItsBound() {
        List<StreamElement<WindowResult<String, Integer>>> output = OperatorRuns.through(
                input(now + HOUR),
                totals(Windows.tumbling(Duration.ofSeconds(10)).maxTimestampAhead(Duration.ofHours(2))));

        // taken: the watermark jumps an hour ahead, and the records after it are late, as the bound is there to avoid
        assertThat(watermark(output)).isEqualTo(now + HOUR);
        assertThat(deadLettersIn(output))
                .hasSize(2)
                .allSatisfy(dead -> assertThat(dead.error()).isInstanceOf(LateRecordException.class));
    }

    @ParameterizedTest
    @ValueSource(longs = {HOUR, Long.MAX_VALUE / 2})
    void aDeduplicateOperatorDeadLettersARecordDatedTooFarAheadAndKeepsItsWatermark(long ahead) {
        List<StreamElement<Pay>> input = input(now + ahead);
        List<StreamElement<Pay>> output =
                OperatorRuns.through(input, Checkpointed.deduplicate(Pay::account, Duration.ofMinutes(10)));

        assertThat(deadLettersIn(output))
                .filteredOn(dead -> !(dead.error() instanceof DuplicateRecordException))
                .singleElement()
                .satisfies(dead -> deadLetterOf(
                                (Data<?>) input.get(1),
                                "deduplicate:deduplicate",
                                FutureTimestampException.class,
                                "deduplicate operator 'deduplicate': the record at test-0@1")
                        .accept(dead));
        // the records after it are not late: c passes, and a again is a duplicate
        assertThat(output.stream().filter(Data.class::isInstance).map(e -> ((Pay) ((Data<?>) e).value()).account()))
                .containsExactly("a", "c");
        assertThat(watermark(output)).as("c's; the duplicate moves none").isEqualTo(now - 1_000);
    }

    @Test
    void aDeduplicateOperatorDeadLettersARecordAtTheLargestTimestampAndTakesOneWithinItsBound() {
        List<StreamElement<Pay>> atMax = OperatorRuns.through(
                input(Long.MAX_VALUE), Checkpointed.deduplicate(Pay::account, Duration.ofMinutes(10)));
        assertThat(deadLettersIn(atMax).get(0).error()).isInstanceOf(FutureTimestampException.class);
        assertThat(watermark(atMax)).isEqualTo(now - 1_000);

        List<StreamElement<Pay>> within = OperatorRuns.through(
                input(now + 60_000),
                Checkpointed.<Pay, String>deduplicate(Pay::account, Duration.ofMinutes(10))
                        .maxTimestampAhead(Duration.ofMinutes(2)));
        // taken: c, a minute behind it, is still within the retention; a again is a duplicate
        assertThat(watermark(within)).isEqualTo(now + 60_000);
        assertThat(deadLettersIn(within))
                .singleElement()
                .satisfies(dead -> assertThat(dead.error()).isInstanceOf(DuplicateRecordException.class));
    }

    @Test
    void aNegativeBoundIsRefusedAndAnEndlessOneIsNoBound() {
        assertThatThrownBy(() -> Windows.tumbling(Duration.ofSeconds(1)).maxTimestampAhead(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxTimestampAhead must be >= 0");
        assertThatThrownBy(() ->
                        Deduplicate.by(Pay::account, Duration.ofSeconds(1)).maxTimestampAhead(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);

        Windows endless = Windows.tumbling(Duration.ofSeconds(1)).maxTimestampAhead(Duration.ofSeconds(Long.MAX_VALUE));
        assertThat(endless.maxTimestampAheadMillis()).isEqualTo(Long.MAX_VALUE);
        assertThat(Windows.tumbling(Duration.ofSeconds(1)).maxTimestampAheadMillis())
                .isEqualTo(Windows.DEFAULT_MAX_TIMESTAMP_AHEAD.toMillis())
                .isEqualTo(Duration.ofMinutes(5).toMillis());
    }
}
