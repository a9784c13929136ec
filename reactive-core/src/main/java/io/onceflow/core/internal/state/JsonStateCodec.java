package io.onceflow.core.internal.state;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.StateCodec;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.JsonRecyclerPools;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

/** The default {@link StateCodec}: JSON through Jackson 3. */
public final class JsonStateCodec<S> implements StateCodec<S> {

    /**
     * Buffers recycled per thread: state is encoded on the pipeline's thread for every changed key at each
     * checkpoint, and Jackson's default pool (a concurrent deque shared by all threads) costs a push and a pop per
     * value.
     */
    static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .recyclerPool(JsonRecyclerPools.threadLocalPool())
                    .build())
            .build();

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
