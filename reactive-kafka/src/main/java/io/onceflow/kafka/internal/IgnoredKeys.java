package io.onceflow.kafka.internal;

import java.nio.ByteBuffer;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/** The source's key deserializer: the source does not use keys, so it does not copy them out of the fetch buffer. */
final class IgnoredKeys implements Deserializer<Void> {

    @Override
    public Void deserialize(String topic, byte[] data) {
        return null;
    }

    @Override
    public Void deserialize(String topic, Headers headers, byte[] data) {
        return null;
    }

    @Override
    public Void deserialize(String topic, Headers headers, ByteBuffer data) {
        return null;
    }
}
