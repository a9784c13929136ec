package io.onceflow.demo;

import io.onceflow.kafka.Format;
import io.onceflow.kafka.Json;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.cfg.MapperBuilder;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.LogicalType;

/**
 * How payments read from JSON, the same for a request body ({@code POST /payments}) and a record of the payments
 * topic: strict about types, so that what the REST API refuses with a 400 the pipeline dead-letters too.
 *
 * <ul>
 *   <li>A text field ({@code account}, {@code currency}, {@code id}) must be a JSON string: {@code true}, {@code 0}
 *       or {@code 1e400} are not coerced to {@code "true"}, {@code "0"}, {@code "1e400"}.
 *   <li>A number must not be a boolean. An amount may be a JSON number or a decimal string ({@code "12.50"}, exact,
 *       as many payment APIs write money).
 *   <li>A field given twice ({@code {"account":"a","account":"b"}}) and content after the JSON value are refused.
 *   <li>Jackson's own bounds stay: numbers of at most 1,000 characters, nesting at most 500 deep.
 * </ul>
 *
 * @since 0.2
 */
final class PaymentJson {

    /** The mapper of the payments topic (the pipeline, the publisher, the audit). */
    static final JsonMapper MAPPER = strict(JsonMapper.builder()).build();

    /** Payments on the topic, in JSON. */
    static final Format<PaymentMessage> FORMAT = Json.of(PaymentMessage.class, MAPPER);

    private PaymentJson() {}

    /** {@code builder} with the rules above; Spring Boot's mapper for request bodies is made with it too. */
    static <B extends MapperBuilder<?, B>> B strict(B builder) {
        return builder.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .withCoercionConfig(
                        LogicalType.Textual,
                        config -> config.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .withCoercionConfig(
                        LogicalType.Float,
                        config -> config.setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .withCoercionConfig(
                        LogicalType.Integer,
                        config -> config.setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail));
    }
}
