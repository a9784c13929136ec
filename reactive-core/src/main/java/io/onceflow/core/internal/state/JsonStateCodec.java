package io.onceflow.core.internal.state;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.StateCodec;
import tools.jackson.databind.json.JsonMapper;

/** The default {@link StateCodec}: JSON through Jackson 3. */
public final class JsonStateCodec<S> implements StateCodec<S> {

    static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final Class<S> type;

    public JsonStateCodec(Class<S> type) {
        this.type = requireNonNull(type, "type");
    }

    @Override
    public byte[] encode(S state) {
        return MAPPER.writeValueAsBytes(state);
    }

    @Override
    public S decode(byte[] bytes) {
        return MAPPER.readValue(bytes, type);
    }

    @Override
    public String toString() {
        return "JsonStateCodec[" + type.getName() + "]";
    }
}
