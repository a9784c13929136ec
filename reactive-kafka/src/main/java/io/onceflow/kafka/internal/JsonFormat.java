package io.onceflow.kafka.internal;

import io.onceflow.core.internal.json.ReusedJsonGenerators;
import io.onceflow.core.internal.json.SpreadCreatorsModule;
import io.onceflow.kafka.Format;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.JsonRecyclerPools;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;

/** A JSON {@link Format} through Jackson 3, for one type. */
public final class JsonFormat<T> implements Format<T> {

    /**
     * Strict where leniency would let a poison record through; lenient about fields a producer added.
     *
     * <p>Buffers are recycled per thread: every encode and decode runs on one of a few long-lived platform threads
     * (the consumer's, the producer's, the pipeline's), and Jackson's default pool, a concurrent deque shared by all
     * threads, costs a contended push and pop per record (a JFR profile of the Kafka to Kafka benchmark showed them
     * among the hottest methods). Records and other values made by a creator with arguments are made through a
     * handle spread once ({@link SpreadCreatorsModule}).
     */
    public static final JsonMapper DEFAULT_MAPPER =
            strictSettings().addModule(new SpreadCreatorsModule()).build();

    /** Encodes any value; decodes into a {@code JsonNode} tree. */
    public static final Format<Object> ANY = new Format<>() {
        private final ReusedJsonGenerators writer = new ReusedJsonGenerators(DEFAULT_MAPPER.writer());

        @Override
        public Object decode(byte[] bytes) {
            return DEFAULT_MAPPER.readTree(bytes);
        }

        @Override
        public byte[] encode(Object value) {
            return writer.write(value);
        }

        @Override
        public String toString() {
            return "Json.any()";
        }
    };

    /**
     * The default mapper's settings without its creators' handles: Jackson's own instantiators, for comparing with
     * them.
     */
    public static JsonMapper.Builder strictSettings() {
        return JsonMapper.builder(JsonFactory.builder()
                        .recyclerPool(JsonRecyclerPools.threadLocalPool())
                        .build())
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    private final Class<T> type;
    private final ObjectReader reader;
    private final ReusedJsonGenerators writer;

    public JsonFormat(Class<T> type, JsonMapper mapper) {
        this.type = type;
        this.reader = mapper.readerFor(type);
        this.writer = new ReusedJsonGenerators(mapper.writerFor(type));
    }

    @Override
    public T decode(byte[] bytes) {
        T value = reader.readValue(bytes);
        if (value == null) {
            throw new IllegalArgumentException("the JSON value is null, not a " + type.getSimpleName());
        }
        return value;
    }

    @Override
    public byte[] encode(T value) {
        return writer.write(value);
    }

    @Override
    public String toString() {
        return "Json.of(" + type.getName() + ")";
    }
}
