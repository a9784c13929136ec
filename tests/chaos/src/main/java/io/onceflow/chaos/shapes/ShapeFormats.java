package io.onceflow.chaos.shapes;

import io.onceflow.kafka.Format;
import java.nio.charset.StandardCharsets;

/** The shapes' records as text: inputs {@code partition,value}, outputs {@code partition,n,value}. */
public final class ShapeFormats {

    /** An input record's value; anything else is a record that does not decode (a dead letter). */
    public static final Format<Tagged> INPUT = new Format<>() {
        @Override
        public Tagged decode(byte[] bytes) {
            String text = new String(bytes, StandardCharsets.UTF_8);
            int comma = text.indexOf(',');
            if (comma < 1) {
                throw new IllegalArgumentException("not 'partition,value': '" + text + "'");
            }
            return new Tagged(Integer.parseInt(text.substring(0, comma)), Long.parseLong(text.substring(comma + 1)));
        }

        @Override
        public byte[] encode(Tagged value) {
            return encodeInput(value);
        }
    };

    /** An output record's value in the Kafka commit point's topic. */
    public static final Format<Output> OUTPUT = new Format<>() {
        @Override
        public Output decode(byte[] bytes) {
            String[] parts = new String(bytes, StandardCharsets.UTF_8).split(",", -1);
            if (parts.length != 3) {
                throw new IllegalArgumentException("not 'partition,n,value'");
            }
            return new Output(Integer.parseInt(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]));
        }

        @Override
        public byte[] encode(Output value) {
            return (value.partition() + "," + value.n() + "," + value.value()).getBytes(StandardCharsets.UTF_8);
        }
    };

    private ShapeFormats() {}

    static byte[] encodeInput(Tagged value) {
        return (value.partition() + "," + value.value()).getBytes(StandardCharsets.UTF_8);
    }
}
