package io.onceflow.core;

import static io.onceflow.core.DeadLetters.deadLetterOf;
import static io.onceflow.core.DeadLetters.deadLettersIn;
import static io.onceflow.core.testkit.TestElements.data;
import static io.onceflow.core.testkit.TestElements.marker;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * Keys the commit point cannot store as themselves: keys over 64 KiB, text with an unpaired UTF-16 surrogate (stored as UTF-8, it would
 * become {@code ?} and share another key's state after a restore) and, in a window, a key its codec cannot encode.
 * Every stateful operator dead-letters such a record when its key is first seen, with a {@link KeyEncodingException},
 * and no marker ever carries the key; before, the keyed and deduplicate operators committed the key as {@code ?} and
 * the window operator failed every checkpoint, restart after restart.
 */
class UnstorableKeysTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** A lone high and a lone low surrogate: both would be stored as {@code acct-?}. */
    private static final String LONE_HIGH = "acct-\uD800";

    private static final String LONE_LOW = "acct-\uDC00";

    /** A surrogate pair is one code point, which UTF-8 holds: such a key is stored as it is. */
    private static final String PAIR = "acct-\uD83D\uDE00";

    record Pay(String account, int amount) {}

    record AccountKey(String account) {}

    private static List<Data<Pay>> payments() {
        return List.of(
                data(new Pay("acct-1", 5), 0, 0, 0),
                data(new Pay(LONE_HIGH, 7), 0, 1, 1),
                data(new Pay(PAIR, 11), 0, 2, 2),
                data(new Pay(LONE_LOW, 13), 0, 3, 3),
                data(new Pay("acct-1", 17), 0, 4, 4));
    }

    /** The payments, then a marker: what an operator makes of them. */
    private static <R> List<StreamElement<R>> run(Function<Flux<StreamElement<Pay>>, Flux<StreamElement<R>>> stage) {
        List<StreamElement<Pay>> input = new ArrayList<>(payments());
        input.add(marker(1, 5));
        return OperatorRuns.through(input, stage);
    }

    /** The stored keys the marker carries, each checked to survive UTF-8 as itself. */
    private static List<String> storedKeys(List<? extends StreamElement<?>> output) {
        StreamElement<?> last = output.get(output.size() - 1);
        assertThat(last).isInstanceOf(Marker.class);
        List<String> keys =
                ((Marker<?>) last).stateChanges().stream().map(StateChange::key).toList();
        for (String key : keys) {
            assertThat(new String(key.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
                    .as("the stored key survives UTF-8")
                    .isEqualTo(key);
        }
        return keys;
    }

    private static void assertRefusedSurrogates(List<? extends StreamElement<?>> output, String stage, String kind) {
        List<DeadLetter<Object>> dead = deadLettersIn(output).stream()
                .filter(letter -> letter.error() instanceof KeyEncodingException)
                .toList();
        assertThat(dead).hasSize(2);
        deadLetterOf(payments().get(1), stage, KeyEncodingException.class, "\\ud800 at index 5")
                .accept(dead.get(0));
        deadLetterOf(payments().get(3), stage, KeyEncodingException.class, "\\udc00 at index 5")
                .accept(dead.get(1));
        assertThat(dead.get(0).errorMessage())
                .startsWith(kind)
                .contains("the key 'acct-\\ud800' cannot be stored as state")
                .contains("share its state with another key");
    }

    @Test
    void theKeyedOperatorDeadLettersAStringKeyWithAnUnpairedSurrogate() {
        List<StreamElement<Integer>> output = run(
                Checkpointed.<Pay, String, Integer>keyed(Pay::account, account -> 0, (sum, pay) -> sum + pay.amount()));

        assertRefusedSurrogates(output, "keyed:keyed", "keyed operator 'keyed'");
        assertThat(output.stream().filter(Data.class::isInstance).map(element -> (Object) ((Data<?>) element).value()))
                .containsExactly(5, 11, 22);
        assertThat(storedKeys(output)).containsExactlyInAnyOrder("acct-1", PAIR);
    }

    @Test
    void theKeyedOperatorDeadLettersAJsonKeyWithAnUnpairedSurrogate() {
        List<StreamElement<Integer>> output = run(Checkpointed.<Pay, AccountKey, Integer>keyed(
                pay -> new AccountKey(pay.account()), account -> 0, (sum, pay) -> sum + pay.amount()));

        List<DeadLetter<Object>> dead = deadLettersIn(output);
        assertThat(dead)
                .hasSize(2)
                .allSatisfy(letter -> assertThat(letter.error())
                        .isInstanceOf(KeyEncodingException.class)
                        .hasMessageContaining("unpaired UTF-16 surrogate"));
        assertThat(storedKeys(output))
                .containsExactlyInAnyOrder("{\"account\":\"acct-1\"}", "{\"account\":\"" + PAIR + "\"}");
    }

    @Test
    void theDeduplicateOperatorDeadLettersAKeyWithAnUnpairedSurrogateAndRemembersNothingOfIt() {
        List<StreamElement<Pay>> output = run(Checkpointed.deduplicate(Pay::account, Duration.ofMillis(100)));

        assertRefusedSurrogates(output, "deduplicate:deduplicate", "deduplicate operator 'deduplicate'");
        assertThat(deadLettersIn(output)).hasSize(3); // and the second acct-1, a duplicate
        assertThat(storedKeys(output)).contains("k:acct-1", "k:" + PAIR).noneMatch(key -> key.contains("acct-?"));
    }

    @Test
    void theWindowOperatorDeadLettersAKeyWithAnUnpairedSurrogate() {
        List<StreamElement<WindowResult<String, Integer>>> output = run(Checkpointed.window(
                Windows.tumbling(Duration.ofMillis(100)), Pay::account, () -> 0, (sum, pay) -> sum + pay.amount()));

        assertRefusedSurrogates(output, "window:window", "window operator 'window'");
        assertThat(storedKeys(output)).contains("k:acct-1", "k:" + PAIR).hasSize(3); // and the watermark
    }

    @Test
    void theWindowOperatorDeadLettersAKeyItsCodecCannotEncodeRatherThanFailingTheCheckpoint() {
        // the first key binds the default codec to String; a later key of another class has no stored form
        Function<Pay, Object> key = pay -> pay.amount() == 7 ? (Object) 7 : pay.account();
        List<StreamElement<WindowResult<Object, Integer>>> output = run(Checkpointed.window(
                Windows.tumbling(Duration.ofMillis(100)), key, () -> 0, (sum, pay) -> sum + pay.amount()));

        List<DeadLetter<Object>> dead = deadLettersIn(output);
        assertThat(dead).hasSize(2);
        deadLetterOf(payments().get(1), "window:window", KeyEncodingException.class, "declare the key type")
                .accept(dead.get(0));
        assertThat(dead.get(0).errorMessage()).contains("the key '7' cannot be stored as state");
        assertThat(dead.get(1).error()).hasMessageContaining("unpaired UTF-16 surrogate");
        assertThat(storedKeys(output)).contains("k:acct-1", "k:" + PAIR);
    }

    @Test
    void keysLongerThanAStateKeyMayBeAreDeadLetteredByEveryStatefulOperator() {
        // an account id a hostile producer made 200 kB long (its record is under the broker's 1 MiB): its state entry,
        // with a value that holds the id again, would not fit a changelog record, and the checkpoint would stop the
        // pipeline; and one of 30,000 three-byte characters, 90,000 bytes of UTF-8 in 30,000 chars
        String huge = "acct-" + "x".repeat(200_000);
        String wide = "acct-" + "\u20ac".repeat(30_000);
        String longest = "acct-" + "y".repeat(64 * 1024 - 5); // exactly the bound: stored
        List<StreamElement<Pay>> input = List.of(
                data(new Pay("acct-1", 5), 0, 0, 0),
                data(new Pay(huge, 7), 0, 1, 1),
                data(new Pay(wide, 11), 0, 2, 2),
                data(new Pay(longest, 13), 0, 3, 3),
                marker(1, 4));

        assertRefusedLongKeys(
                OperatorRuns.through(
                        input,
                        Checkpointed.<Pay, String, Integer>keyed(
                                Pay::account, account -> 0, (sum, pay) -> sum + pay.amount())),
                huge,
                longest);
        assertRefusedLongKeys(
                OperatorRuns.through(input, Checkpointed.deduplicate(Pay::account, Duration.ofMillis(100))),
                huge,
                longest);
        assertRefusedLongKeys(
                OperatorRuns.through(
                        input,
                        Checkpointed.window(
                                Windows.tumbling(Duration.ofMillis(100)),
                                Pay::account,
                                () -> 0,
                                (sum, pay) -> sum + pay.amount())),
                huge,
                longest);
    }

    private static void assertRefusedLongKeys(List<? extends StreamElement<?>> output, String huge, String longest) {
        List<DeadLetter<Object>> dead = deadLettersIn(output);
        assertThat(dead).hasSize(2);
        assertThat(dead.get(0).origin().offset()).isEqualTo(1);
        assertThat(dead.get(0).error())
                .isInstanceOf(KeyEncodingException.class)
                .hasMessageContaining("it is 200005 bytes of UTF-8, more than the 65536 a state key may have");
        assertThat(dead.get(0).errorMessage()).hasSizeLessThan(1_000);
        assertThat(dead.get(1).error()).hasMessageContaining("it is 90005 bytes of UTF-8");
        assertThat(storedKeys(output)).anyMatch(key -> key.endsWith(longest)).noneMatch(key -> key.contains(huge));
    }

    @Test
    void aKeyInAMessageIsNeverCutBetweenTheHalvesOfAPair() {
        String key = "x".repeat(DuplicateRecordException.MAX_KEY_CHARS - 1) + "\uD83D\uDE00" + "tail";
        String shown = DuplicateRecordException.shown(key);

        assertThat(shown).startsWith("'" + "x".repeat(DuplicateRecordException.MAX_KEY_CHARS - 1) + "'");
        assertThat(new String(shown.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
                .isEqualTo(shown);
    }

    @Test
    void stepVerifierSeesTheRecordsOfStorableKeysInOrder() {
        StepVerifier.create(Flux.<StreamElement<Pay>>just(data(new Pay(PAIR, 1), 0), data(new Pay(LONE_HIGH, 2), 1))
                        .transform(Checkpointed.<Pay, String, Integer>keyed(
                                Pay::account, account -> 0, (sum, pay) -> sum + pay.amount())))
                .assertNext(element -> assertThat(((Data<?>) element).value()).isEqualTo(1))
                .assertNext(element -> assertThat(element).isInstanceOf(DeadLetter.class))
                .verifyComplete();
    }
}
