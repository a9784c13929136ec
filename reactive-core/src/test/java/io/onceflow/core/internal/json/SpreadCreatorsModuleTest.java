package io.onceflow.core.internal.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

class SpreadCreatorsModuleTest {

    public record Payment(String account, long cents, int retries, boolean urgent, double rate, Character flag) {}

    public record Batch(String id, List<Payment> payments, Map<String, Long> totals, Payment first) {}

    public record Box<T>(T value, String label) {}

    private record Hidden(String secret, long number) {}

    public record Checked(String account, long cents) {
        public Checked {
            if (cents < 0) {
                throw new IllegalArgumentException("negative cents for " + account);
            }
        }
    }

    /** Records whether it was made through the spread handle. */
    public record Traced(String value) {
        static volatile boolean spread;

        public Traced {
            spread = StackWalker.getInstance()
                    .walk(frames -> frames.anyMatch(
                            frame -> frame.getClassName().endsWith("SpreadCreatorsModule$SpreadInstantiator")));
        }
    }

    public static final class Factory {
        final String name;
        final long size;

        private Factory(String name, long size) {
            this.name = name;
            this.size = size;
        }

        @JsonCreator
        public static Factory of(@JsonProperty("name") String name, @JsonProperty("size") long size) {
            return new Factory(name, size);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Factory that && name.equals(that.name) && size == that.size;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, size);
        }
    }

    /** Jackson's own instantiators, with reactive-kafka's {@code Json.of} settings otherwise. */
    private static final JsonMapper JACKSONS = strict().build();

    private static final JsonMapper OURS =
            strict().addModule(new SpreadCreatorsModule()).build();

    private static JsonMapper.Builder strict() {
        return JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    @Test
    void makesTheValuesJacksonMakes() {
        String payment = "{\"account\":\"a-1\",\"cents\":42,\"retries\":3,\"urgent\":true,\"rate\":0.5,\"flag\":\"x\"}";
        assertSame(payment, Payment.class);
        assertSame("{\"account\":\"a-1\",\"cents\":42,\"retries\":3,\"urgent\":false,\"rate\":1e300}", Payment.class);
        assertSame(
                "{\"id\":\"b\",\"payments\":[" + payment + "," + payment + "],\"totals\":{\"a\":1},\"first\":" + payment
                        + ",\"ignored\":[1,2]}",
                Batch.class);
        assertSame("{\"secret\":\"s\",\"number\":7}", Hidden.class);
        assertSame("{\"name\":\"n\",\"size\":9}", Factory.class);
        TypeReference<Box<Payment>> boxed = new TypeReference<>() {};
        assertThat(OURS.readValue("{\"value\":" + payment + ",\"label\":\"l\"}", boxed))
                .isEqualTo(JACKSONS.readValue("{\"value\":" + payment + ",\"label\":\"l\"}", boxed))
                .extracting(Box::value)
                .isInstanceOf(Payment.class);
    }

    @Test
    void reportsACreatorsFailureAsJacksonDoes() {
        for (String json : List.of(
                "{\"account\":\"a-1\",\"cents\":-5}", // the constructor throws
                "{\"account\":\"a-1\"}", // a primitive missing
                "{\"account\":\"a-1\",\"cents\":null}", // null for a primitive
                "{\"account\":\"a-1\",\"cents\":\"many\"}")) { // not a number
            Throwable ours = catchThrowable(() -> OURS.readValue(json, Checked.class));
            Throwable jacksons = catchThrowable(() -> JACKSONS.readValue(json, Checked.class));
            assertThat(ours).as(json).isNotNull().hasSameClassAs(jacksons);
            assertThat(ours.getMessage()).as(json).isEqualTo(jacksons.getMessage());
        }
        assertThat(OURS.readValue("{\"account\":\"a-1\",\"cents\":5}", Checked.class))
                .isEqualTo(new Checked("a-1", 5));
    }

    @Test
    void callsTheCreatorThroughTheSpreadHandle() {
        Traced ours = OURS.readValue("{\"value\":\"v\"}", Traced.class);
        assertThat(Traced.spread).isTrue();
        Traced jacksons = JACKSONS.readValue("{\"value\":\"v\"}", Traced.class);
        assertThat(Traced.spread).isFalse();
        assertThat(ours).isEqualTo(jacksons).extracting(Traced::value).isEqualTo("v");
    }

    private static <T> void assertSame(String json, Class<T> type) {
        T ours = OURS.readValue(json, type);
        assertThat(ours).as(json).isEqualTo(JACKSONS.readValue(json, type));
        assertThat(OURS.readValue(json, type)).as("again: " + json).isEqualTo(ours);
    }
}
