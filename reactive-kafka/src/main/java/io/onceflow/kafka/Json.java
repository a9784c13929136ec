package io.onceflow.kafka;

import static java.util.Objects.requireNonNull;

import io.onceflow.kafka.internal.JsonFormat;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON {@link Format}s through Jackson 3.
 *
 * <p>The default mapper is strict where leniency would hide a poison record: a {@code null} or missing value for a
 * primitive field, and trailing content after the JSON value, fail decoding; unknown properties are ignored, so that
 * producers can add fields.
 *
 * <p>Encoding keeps a Jackson generator per thread, whatever the mapper. The default mapper also makes records (and
 * other values built by a constructor or factory with arguments) through a method handle prepared once, where Jackson
 * prepares one per value on Java 17; a mapper of your own is used as you built it.
 *
 * <pre>{@code
 * KafkaSourceOptions.builder().valueFormat(Json.of(Payment.class))
 * }</pre>
 *
 * @since 0.1
 */
public final class Json {

    private Json() {}

    /** Records, beans, collections and scalars of {@code type}, with the default mapper. */
    public static <T> Format<T> of(Class<T> type) {
        return new JsonFormat<>(requireNonNull(type, "type"), JsonFormat.DEFAULT_MAPPER);
    }

    /** Values of {@code type} with a mapper of your own. */
    public static <T> Format<T> of(Class<T> type, JsonMapper mapper) {
        return new JsonFormat<>(requireNonNull(type, "type"), requireNonNull(mapper, "mapper"));
    }

    /**
     * Any value: encodes whatever it is given, decodes into a {@link JsonNode} tree. The default value format of
     * {@link KafkaTransactionalSink}.
     */
    public static Format<Object> any() {
        return JsonFormat.ANY;
    }
}
