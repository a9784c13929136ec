package io.onceflow.kafka.internal;

import java.nio.ByteBuffer;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The source's key deserializer when its format reads no keys: they are not copied out of the fetch buffer, and every
 * key reads as {@code null}.
 */
final class IgnoredKeys implements Deserializer<byte[]> {

    @Override
    public byte[] deserialize(String topic, byte[] data) {
        return null;
    }

    @Override
    public byte[] deserialize(String topic, Headers headers, byte[] data) {
        return null;
    }

    @Override
    public byte[] deserialize(String topic, Headers headers, ByteBuffer data) {
        return null;
    }
}
