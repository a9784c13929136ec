package io.onceflow.kafka.internal;

import io.onceflow.kafka.Format;
import java.nio.charset.StandardCharsets;

/** The built-in {@link Format}s that are not JSON, and the sink's default key and value encodings. */
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
            return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "Format.utf8()";
        }
    };

    /** Keys: bytes as they are, text as UTF-8 (keys read naturally in tools), anything else as JSON. */
    public static final Format<Object> DEFAULT_KEY = new EncodeOnly("default key format") {
        @Override
        public byte[] encode(Object value) {
            if (value instanceof byte[] bytes) {
                return bytes;
            }
            if (value instanceof String text) {
                return text.getBytes(StandardCharsets.UTF_8);
            }
            return JsonFormat.ANY.encode(value);
        }
    };

    /** Values: bytes as they are, anything else as JSON (a String becomes a JSON string). */
    public static final Format<Object> DEFAULT_VALUE = new EncodeOnly("default value format") {
        @Override
        public byte[] encode(Object value) {
            return value instanceof byte[] bytes ? bytes : JsonFormat.ANY.encode(value);
        }
    };

    private abstract static class EncodeOnly implements Format<Object> {
        private final String name;

        EncodeOnly(String name) {
            this.name = name;
        }

        @Override
        public Object decode(byte[] bytes) {
            throw new UnsupportedOperationException(name + " only encodes");
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
