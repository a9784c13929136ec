package io.onceflow.core.internal.state;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.StateCodec;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

/** The default {@link StateCodec}: JSON through Jackson 3. */
public final class JsonStateCodec<S> implements StateCodec<S> {

    static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final Class<S> type;
    private final ObjectWriter writer;
    private final ObjectReader reader;

    public JsonStateCodec(Class<S> type) {
        this.type = requireNonNull(type, "type");
        this.writer = MAPPER.writerFor(type);
        this.reader = MAPPER.readerFor(type);
    }

    @Override
    public byte[] encode(S state) {
        return writer.writeValueAsBytes(state);
    }

    @Override
    public S decode(byte[] bytes) {
        return reader.readValue(bytes);
    }

    @Override
    public String toString() {
        return "JsonStateCodec[" + type.getName() + "]";
    }
}
