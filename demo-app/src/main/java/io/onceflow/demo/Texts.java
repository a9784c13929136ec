package io.onceflow.demo;

/**
 * Input shown in a message: control characters escaped ({@code \u0000}), cut to a bound with the original length
 * said, so that a 400 response, a dead letter's headers or a log line never carries an unbounded or unreadable value.
 *
 * @since 0.2
 */
final class Texts {

    private Texts() {}

    /** {@code value} for a message: at most {@code max} characters of it, control characters escaped. */
    static String shown(String value, int max) {
        int end = Math.min(value.length(), max);
        if (end < value.length() && end > 0 && Character.isHighSurrogate(value.charAt(end - 1))) {
            end--;
        }
        StringBuilder shown = new StringBuilder(end + 32);
        for (int i = 0; i < end; i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                shown.append(String.format("\\u%04x", (int) c));
            } else {
                shown.append(c);
            }
        }
        if (end < value.length()) {
            shown.append("… (").append(value.length()).append(" characters)");
        }
        return shown.toString();
    }

    /** {@code value} for a message, quoted: see {@link #shown}. */
    static String quoted(String value, int max) {
        return "'" + shown(value, max) + "'";
    }
}
