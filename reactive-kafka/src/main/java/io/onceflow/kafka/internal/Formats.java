package io.onceflow.kafka.internal;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.internal.text.Utf8Text;
import io.onceflow.kafka.Decoder;
import io.onceflow.kafka.Encoder;
import io.onceflow.kafka.Format;
import java.nio.charset.StandardCharsets;

/** The built-in {@link Format}s that are not JSON, and the sink's default key and value encoders. */
public final class Formats {

    private Formats() {}

    public static final Format<byte[]> BYTES = new Format<>() {
        @Override
        public byte[] decode(byte[] bytes) {
            return bytes;
        }

        @Override
        public byte[] encode(byte[] value) {
            return value;
        }

        @Override
        public String toString() {
            return "Format.bytes()";
        }
    };

    public static final Format<String> UTF8 = new Format<>() {
        @Override
        public String decode(byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        @Override
        public byte[] encode(String value) {
            return utf8(value);
        }

        @Override
        public String toString() {
            return "Format.utf8()";
        }
    };

    /**
     * Keys and values: bytes as they are, text as UTF-8 (a {@code String} is written as itself, not as a quoted JSON
     * string, and reads naturally in tools), anything else as JSON.
     */
    public static final Encoder<Object> DEFAULT_KEY = new NamedEncoder("default key format");

    /** See {@link #DEFAULT_KEY}: values are encoded alike. */
    public static final Encoder<Object> DEFAULT_VALUE = new NamedEncoder("default value format");

    /** A format of a decoder and an encoder written apart. */
    public static <T> Format<T> of(Decoder<T> decoder, Encoder<T> encoder) {
        requireNonNull(decoder, "decoder");
        requireNonNull(encoder, "encoder");
        return new Format<>() {
            @Override
            public T decode(byte[] bytes) {
                return decoder.decode(bytes);
            }

            @Override
            public byte[] encode(T value) {
                return encoder.encode(value);
            }

            @Override
            public String toString() {
                return "Format.of(" + decoder + ", " + encoder + ")";
            }
        };
    }

    /**
     * {@code text} as UTF-8; refused when it holds an unpaired surrogate, which {@code getBytes} would write as
     * {@code ?}: the record is a dead letter rather than a different key or value than the one the pipeline made.
     *
     * @throws IllegalArgumentException for a text with an unpaired surrogate
     */
    static byte[] utf8(String text) {
        int surrogate = Utf8Text.unpairedSurrogate(text);
        if (surrogate >= 0) {
            throw new IllegalArgumentException(
                    "the text holds " + Utf8Text.describe(text, surrogate) + ", which UTF-8 cannot encode");
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static final class NamedEncoder implements Encoder<Object> {
        private final String name;

        NamedEncoder(String name) {
            this.name = name;
        }

        @Override
        public byte[] encode(Object value) {
            if (value instanceof byte[] bytes) {
                return bytes;
            }
            if (value instanceof String text) {
                return utf8(text);
            }
            return JsonFormat.ANY.encode(value);
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
