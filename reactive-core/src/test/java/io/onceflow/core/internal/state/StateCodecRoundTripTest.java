package io.onceflow.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.onceflow.core.StateCodec;
import io.onceflow.core.StateCodecException;
import io.onceflow.core.StateType;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * State round-trips exactly, for the types users keep: records, nested generics, sealed hierarchies,
 * {@code Optional}, {@code Instant}, {@code BigDecimal} with its scale, enums, null fields, and a user's codec;
 * with the type declared and without. What cannot round-trip fails loudly, never comes back as something else.
 */
class StateCodecRoundTripTest {

    enum Tier {
        BASIC,
        GOLD
    }

    sealed interface Account permits Fresh, Active, Closed {}

    record Fresh(String id) implements Account {}

    record Active(
            String id,
            BigDecimal balance,
            Map<String, List<BigDecimal>> byCurrency,
            Optional<Instant> lastSeen,
            Tier tier,
            @Nullable String note,
            long sequence)
            implements Account {}

    record Closed(String id, Instant at, List<Account> history) implements Account {}

    record Holder(Account account, Map<String, Long> counts) {}

    @Property(tries = 300)
    void aSealedStateRoundTripsDeclaredOrInferredFromItsInitialRecord(@ForAll("accounts") Account account) {
        assertRoundTrip(StateCodec.json(Account.class), account);
        assertRoundTrip(JsonStateCodec.<Account>inferred(Fresh.class), account);
    }

    /**
     * The codecs write through a generator kept per thread: the bytes must be those Jackson's own
     * {@code writeValueAsBytes} writes with the state mapper, value after value on one thread, so that state written
     * before and after that change reads the same.
     */
    @Property(tries = 300)
    void theBytesAreThoseJacksonWritesValueAfterValue(
            @ForAll("accounts") Account account, @ForAll("counts") Map<String, Long> counts) {
        Holder holder = new Holder(account, counts);
        assertThat(StateCodec.json(Account.class).encode(account))
                .isEqualTo(StateJson.TYPED.writerFor(Account.class).writeValueAsBytes(account));
        assertThat(JsonStateCodec.<Holder>inferred(Holder.class).encode(holder))
                .isEqualTo(StateJson.TYPED.writerFor(Holder.class).writeValueAsBytes(holder));
        // another class than the initial state's goes with its class
        assertThat(JsonStateCodec.<Account>inferred(Fresh.class).encode(account))
                .isEqualTo(
                        account instanceof Fresh
                                ? StateJson.TYPED.writerFor(Fresh.class).writeValueAsBytes(account)
                                : StateJson.TYPED.writerFor(Object.class).writeValueAsBytes(account));
    }

    /**
     * One codec shared by many threads at once, as the operators of several pipelines share the state mappers: each
     * thread writes through a generator of its own, so every value comes out as Jackson writes it and reads back.
     */
    @Test
    void aCodecSharedByManyThreadsWritesEachValueAsJacksonDoes() throws Exception {
        StateCodec<Account> codec = JsonStateCodec.inferred(Fresh.class);
        List<Callable<Void>> writers = IntStream.range(0, 8)
                .mapToObj(thread -> (Callable<Void>) () -> {
                    for (int i = 0; i < 2_000; i++) {
                        String id = thread + "-" + "x".repeat(i % 200);
                        Account account = i % 2 == 0
                                ? new Fresh(id)
                                : new Closed(id, Instant.ofEpochSecond(i), List.of(new Fresh("h" + i)));
                        byte[] bytes = codec.encode(account);
                        Class<?> written = account instanceof Fresh ? Fresh.class : Object.class;
                        assertThat(bytes)
                                .isEqualTo(StateJson.TYPED.writerFor(written).writeValueAsBytes(account));
                        assertThat(codec.decode(bytes)).isEqualTo(account);
                    }
                    return null;
                })
                .toList();
        ExecutorService threads = Executors.newFixedThreadPool(writers.size());
        try {
            for (Future<Void> writer : threads.invokeAll(writers, 2, TimeUnit.MINUTES)) {
                writer.get(); // rethrows a thread's failed assertion
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Property(tries = 200)
    void nestedGenericsRoundTripWithTheirElementTypes(@ForAll("byCurrency") Map<String, List<BigDecimal>> value) {
        assertRoundTrip(StateCodec.json(new StateType<Map<String, List<BigDecimal>>>() {}), value);
        assertRoundTrip(JsonStateCodec.<Map<String, List<BigDecimal>>>inferred(HashMap.class), new HashMap<>(value));
    }

    @Property(tries = 200)
    void recordsHoldingSealedAndGenericComponentsRoundTrip(
            @ForAll("accounts") Account account, @ForAll("counts") Map<String, Long> counts) {
        Holder holder = new Holder(account, counts);
        assertRoundTrip(StateCodec.json(Holder.class), holder);
        assertRoundTrip(JsonStateCodec.<Holder>inferred(Holder.class), holder);
    }

    @Test
    void anErasedMapKeepsItsLongValuesWithoutADeclaration() {
        HashMap<String, Long> counts = new HashMap<>(Map.of("a", 5L, "b", Long.MAX_VALUE, "c", 0L));
        StateCodec<HashMap<String, Long>> codec = JsonStateCodec.inferred(HashMap.class);
        HashMap<String, Long> back = codec.decode(codec.encode(counts));
        assertThat(back).isEqualTo(counts);
        assertThat(back.get("a")).isInstanceOf(Long.class);
    }

    @Test
    void aBigDecimalKeepsItsScale() {
        for (String text : List.of("1.50", "1.5", "100", "1E+3", "-0.000", "12345678901234567890.123456789")) {
            BigDecimal value = new BigDecimal(text);
            BigDecimal back = roundTrip(StateCodec.json(BigDecimal.class), value);
            assertThat(back.scale()).as(text).isEqualTo(value.scale());
            assertThat(back).isEqualTo(value);
        }
    }

    @Test
    void whatCannotComeBackExactlyFailsLoudlyInsteadOfChanging() {
        // JSON object keys are strings: an undeclared map keyed by numbers would come back keyed by strings
        HashMap<Long, String> byNumber = new HashMap<>(Map.of(5L, "x"));
        StateCodec<HashMap<Long, String>> inferred = JsonStateCodec.inferred(HashMap.class);
        assertThatThrownBy(() -> inferred.encode(byNumber))
                .isInstanceOf(StateCodecException.class)
                .hasMessageContaining("does not decode to an equal value")
                .hasMessageContaining("declare the state's type");
        // declared, the key type is known and the same map round-trips
        assertRoundTrip(StateCodec.json(new StateType<HashMap<Long, String>>() {}), byNumber);
    }

    /** The digits are written without a String in between: every long and int must come out as its toString. */
    @Property(tries = 1000)
    void wholeNumbersAreWrittenAsTheirDecimalText(@ForAll long number, @ForAll int small) {
        StateCodec<Object> longs = JsonStateCodec.inferred(Long.class);
        assertThat(new String(longs.encode(number), StandardCharsets.US_ASCII)).isEqualTo(Long.toString(number));
        StateCodec<Object> ints = JsonStateCodec.inferred(Integer.class);
        assertThat(new String(ints.encode(small), StandardCharsets.US_ASCII)).isEqualTo(Integer.toString(small));
    }

    /** The digit count is found by comparison: every length, at both ends, either sign. */
    @Test
    void wholeNumbersAtEveryPowerOfTenAreWrittenAsTheirDecimalText() {
        StateCodec<Object> longs = JsonStateCodec.inferred(Long.class);
        for (long power = 1; ; power *= 10) {
            for (long number : new long[] {power - 1, power, power + 1, -power + 1, -power, -power - 1}) {
                assertThat(new String(longs.encode(number), StandardCharsets.US_ASCII))
                        .isEqualTo(Long.toString(number));
            }
            if (power > Long.MAX_VALUE / 10) {
                break;
            }
        }
        for (long number : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 1, Long.MIN_VALUE, Long.MIN_VALUE + 1}) {
            assertThat(new String(longs.encode(number), StandardCharsets.US_ASCII))
                    .isEqualTo(Long.toString(number));
        }
    }

    @Test
    void scalarsAreWrittenAsTheirJsonTextAndReadEitherWay() {
        for (Object value : List.of(
                42L, -7L, 0L, 9L, 10L, -10L, Long.MAX_VALUE, Long.MIN_VALUE, 13, 0, Integer.MIN_VALUE, true, false)) {
            StateCodec<Object> inferred = JsonStateCodec.inferred(value.getClass());
            byte[] encoded = inferred.encode(value);
            assertThat(new String(encoded, StandardCharsets.UTF_8)).isEqualTo(value.toString());
            assertThat(inferred.decode(encoded)).isEqualTo(value).isInstanceOf(value.getClass());
            StateCodec<Object> declared = JsonStateCodec.declared(value.getClass());
            assertThat(declared.decode(encoded)).isEqualTo(value);
        }
    }

    @Test
    void aUserCodecIsUsedAsGiven() {
        StateCodec<Tier> ordinal = new StateCodec<>() {
            @Override
            public byte[] encode(Tier state) {
                return new byte[] {(byte) state.ordinal()};
            }

            @Override
            public Tier decode(byte[] bytes) {
                return Tier.values()[bytes[0]];
            }
        };
        assertRoundTrip(ordinal, Tier.GOLD);
    }

    @Test
    void aDeclaredTypeRefusesBytesOfAnotherShape() {
        StateCodec<Fresh> fresh = StateCodec.json(Fresh.class);
        assertThatThrownBy(() -> fresh.decode("[1,2]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(StateCodecException.class)
                .hasMessageContaining("does not decode as");
    }

    @Test
    void aStateTypeNeedsItsTypeArgument() {
        assertThatThrownBy(() -> StateType.of(HashMap.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("new StateType<HashMap<...>>() {}");
        assertThat(new StateType<Map<String, Long>>() {}.toString())
                .isEqualTo("java.util.Map<java.lang.String, java.lang.Long>");
    }

    private static <S> void assertRoundTrip(StateCodec<S> codec, S value) {
        S back = roundTrip(codec, value);
        assertThat(StateEquality.same(value, back))
                .as("%s read back as %s", value, back)
                .isTrue();
        assertThat(back).isEqualTo(value);
    }

    private static <S> S roundTrip(StateCodec<S> codec, S value) {
        return codec.decode(codec.encode(value));
    }

    @Provide
    Arbitrary<Account> accounts() {
        Arbitrary<String> ids =
                Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(8);
        Arbitrary<Fresh> fresh = ids.map(Fresh::new);
        Arbitrary<Active> active = Combinators.combine(
                        ids,
                        decimals(),
                        byCurrency(),
                        instants().optional(),
                        Arbitraries.of(Tier.class),
                        Arbitraries.strings().ofMaxLength(12).injectNull(0.3),
                        Arbitraries.longs())
                .as(Active::new);
        Arbitrary<Closed> closed = Combinators.combine(
                        ids, instants(), Arbitraries.oneOf(fresh, active).list().ofMaxSize(3))
                .as((id, at, history) -> new Closed(id, at, new ArrayList<>(history)));
        return Arbitraries.oneOf(fresh, active, closed);
    }

    @Provide
    Arbitrary<Map<String, List<BigDecimal>>> byCurrency() {
        return Arbitraries.maps(
                        Arbitraries.of("EUR", "USD", "CHF", "JPY"),
                        decimals().list().ofMaxSize(4))
                .ofMaxSize(4)
                .map(LinkedHashMap::new);
    }

    @Provide
    Arbitrary<Map<String, Long>> counts() {
        return Arbitraries.maps(Arbitraries.strings().alpha().ofLength(3), Arbitraries.longs())
                .ofMaxSize(5)
                .map(TreeMap::new);
    }

    private static Arbitrary<BigDecimal> decimals() {
        return Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(-4, 8))
                .as(BigDecimal::valueOf);
    }

    private static Arbitrary<Instant> instants() {
        return Combinators.combine(
                        Arbitraries.longs().between(-10_000_000_000L, 10_000_000_000L),
                        Arbitraries.integers().between(0, 999_999_999))
                .as(Instant::ofEpochSecond);
    }
}
