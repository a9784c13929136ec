package io.onceflow.core.internal.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonIdentityInfo;
import com.fasterxml.jackson.annotation.ObjectIdGenerators;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

class ReusedJsonGeneratorsTest {

    record Balance(String account, long cents, BigDecimal rate, List<String> tags, Map<String, Object> extra) {}

    /** Fails after its first property is written: the generator is left inside the object. */
    record Failing(String first, String second) {
        @Override
        public String second() {
            throw new IllegalStateException("second cannot be read");
        }
    }

    @JsonIdentityInfo(generator = ObjectIdGenerators.IntSequenceGenerator.class)
    public static final class Node {
        public String name = "shared";
    }

    private static final JsonMapper MAPPER =
            JsonMapper.builder().addModule(new SpreadCreatorsModule()).build();

    private final ObjectWriter objects = MAPPER.writer();

    /** The bytes of every value are those {@code writeValueAsBytes} writes, one value after another on one thread. */
    @Test
    void writesTheBytesWriteValueAsBytesWrites() {
        ObjectWriter typed = MAPPER.writerFor(Balance.class);
        ReusedJsonGenerators reused = new ReusedJsonGenerators(typed);
        ReusedJsonGenerators any = new ReusedJsonGenerators(objects);
        Random random = new Random(20261206);
        for (int i = 0; i < 2_000; i++) {
            Balance balance = balance(random, i);
            assertThat(reused.write(balance)).isEqualTo(typed.writeValueAsBytes(balance));
            assertThat(any.write(balance)).isEqualTo(objects.writeValueAsBytes(balance));
        }
        assertThat(any.write(null)).isEqualTo(objects.writeValueAsBytes(null));
        assertThat(any.write(42)).isEqualTo(objects.writeValueAsBytes(42));
        assertThat(any.write("a \"quoted\" \u2028 string"))
                .isEqualTo(objects.writeValueAsBytes("a \"quoted\" \u2028 string"));
    }

    /** An indenting mapper's pretty printer would put a separator before every value but the first. */
    @Test
    void anIndentingMapperWritesEachValueAsItsFirst() {
        ObjectWriter indenting = JsonMapper.builder()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .build()
                .writerFor(Balance.class);
        ReusedJsonGenerators reused = new ReusedJsonGenerators(indenting);
        Random random = new Random(7);
        for (int i = 0; i < 3; i++) {
            Balance balance = balance(random, i);
            assertThat(reused.write(balance)).isEqualTo(indenting.writeValueAsBytes(balance));
        }
    }

    /** A value larger than the kept buffer is written whole, and the values after it too. */
    @Test
    void writesLargeValuesAndSmallOnesAfterThem() {
        ReusedJsonGenerators reused = new ReusedJsonGenerators(objects);
        String large = "x".repeat(3 * ReusedJsonGenerators.KEPT_BUFFER_BYTES);
        for (Object value : List.of("small", large, "small again", Map.of("large", large), 7)) {
            assertThat(reused.write(value)).isEqualTo(objects.writeValueAsBytes(value));
        }
    }

    /** A value that fails mid-way leaves nothing of itself in the next value's bytes. */
    @Test
    void aValueThatFailsMidWayLeavesNothingInTheNext() {
        ReusedJsonGenerators reused = new ReusedJsonGenerators(objects);
        assertThat(reused.write(Map.of("before", 1))).isEqualTo(objects.writeValueAsBytes(Map.of("before", 1)));
        assertThatThrownBy(() -> reused.write(new Failing("written", "never")))
                .hasRootCauseInstanceOf(IllegalStateException.class);
        Map<String, Object> after = new LinkedHashMap<>();
        after.put("after", List.of(1, 2));
        after.put("text", "ok");
        assertThat(reused.write(after)).isEqualTo(objects.writeValueAsBytes(after));
        assertThat(reused.write(after)).isEqualTo(objects.writeValueAsBytes(after));
    }

    /** Object ids are per value, as they are per {@code writeValueAsBytes} call: each record stands alone. */
    @Test
    void objectIdsDoNotCarryFromOneValueToTheNext() {
        ReusedJsonGenerators reused = new ReusedJsonGenerators(objects);
        Node shared = new Node();
        byte[] first = reused.write(shared);
        byte[] second = reused.write(shared);
        assertThat(first).isEqualTo(objects.writeValueAsBytes(shared));
        assertThat(second).isEqualTo(first);
        assertThat(new String(second, java.nio.charset.StandardCharsets.UTF_8)).contains("\"name\":\"shared\"");
    }

    private static Balance balance(Random random, int i) {
        List<String> tags = new ArrayList<>();
        for (int t = random.nextInt(4); t > 0; t--) {
            tags.add(text(random));
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        if (random.nextBoolean()) {
            extra.put(text(random), random.nextBoolean() ? random.nextLong() : text(random));
        }
        if (random.nextInt(10) == 0) {
            extra.put("nothing", null);
        }
        return new Balance(
                text(random),
                random.nextLong(),
                BigDecimal.valueOf(random.nextLong(), random.nextInt(20) - 5),
                tags,
                i % 7 == 0 ? Map.of() : extra);
    }

    /** Text with quotes, escapes, control characters, non-ASCII and surrogate pairs. */
    private static String text(Random random) {
        String alphabet = "abcXYZ09 \"\\/\n\t\u0001\u00e9\u4e2d\u2028";
        StringBuilder text = new StringBuilder();
        for (int c = random.nextInt(40); c > 0; c--) {
            if (random.nextInt(15) == 0) {
                text.appendCodePoint(0x1F600 + random.nextInt(50));
            } else {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
        }
        return text.toString();
    }
}
