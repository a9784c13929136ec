package io.onceflow.demo;

/**
 * One broken rule of a payment: the JSON field and what is wrong with it.
 *
 * @param field the field's name, or {@code body} when the JSON itself is unreadable
 * @param message what is wrong, for a person
 * @since 0.1
 */
public record Violation(String field, String message) {

    @Override
    public String toString() {
        return field + ": " + message;
    }
}
