package io.onceflow.benchmarks.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The figures one part of the report measured: a flat JSON object of names to numbers and strings, written by the
 * part's JVM ({@code --out file}) and read by {@link ReportMain}.
 */
public final class PartResults {

    private static final JsonMapper JSON = JsonMapper.shared();

    private final Map<String, Object> values;

    public PartResults(Map<String, ?> values) {
        this.values = new LinkedHashMap<>(values);
    }

    public static PartResults empty() {
        return new PartResults(Map.of());
    }

    public PartResults put(String name, Object value) {
        values.put(name, value);
        return this;
    }

    public PartResults putAll(Map<String, ?> more) {
        values.putAll(more);
        return this;
    }

    public Map<String, Object> asMap() {
        return values;
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public Optional<Double> number(String name) {
        Object value = values.get(name);
        if (value instanceof Number number) {
            return Optional.of(number.doubleValue());
        }
        if (value instanceof String text) {
            try {
                return Optional.of(Double.parseDouble(text));
            } catch (NumberFormatException notANumber) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** The number, or NaN when it was not measured. */
    public double num(String name) {
        return number(name).orElse(Double.NaN);
    }

    public String text(String name, String otherwise) {
        Object value = values.get(name);
        return value == null ? otherwise : String.valueOf(value);
    }

    public void write(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(values));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static PartResults read(Path file) {
        if (!Files.exists(file)) {
            return empty();
        }
        try {
            return new PartResults(JSON.readValue(Files.readString(file), new TypeReference<Map<String, Object>>() {}));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
