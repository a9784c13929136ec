package io.onceflow.demo;

import static java.util.Objects.requireNonNull;

/**
 * One broken rule of a payment: the JSON field and what is wrong with it. Both are bounded and printable whatever
 * built them (a message quoting the input, Jackson's words about unreadable JSON): a problem detail or a dead letter
 * made of violations stays small and readable.
 *
 * @param field the field's name, or {@code body} when the JSON itself is unreadable
 * @param message what is wrong, for a person
 * @since 0.1
 */
public record Violation(String field, String message) {

    /** The longest field name kept, in characters. */
    public static final int MAX_FIELD = 100;

    /** The longest message kept, in characters; a longer one is cut, saying so. */
    public static final int MAX_MESSAGE = 300;

    public Violation {
        field = Texts.shown(requireNonNull(field, "field"), MAX_FIELD);
        message = Texts.shown(requireNonNull(message, "message"), MAX_MESSAGE);
    }

    @Override
    public String toString() {
        return field + ": " + message;
    }
}
