package io.onceflow.chaos.campaign;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads the lines appended to a file since the last call, like {@code tail -f}; a partial last line waits. */
final class LogFollower {

    private final Path file;
    private long position;
    private String partial = "";

    LogFollower(Path file) {
        this.file = file;
    }

    /** The complete lines appended since the last call. */
    List<String> newLines() {
        List<String> lines = new ArrayList<>();
        if (!Files.exists(file)) {
            return lines;
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            if (length <= position) {
                return lines;
            }
            byte[] bytes = new byte[(int) Math.min(length - position, 8 * 1024 * 1024)];
            in.seek(position);
            in.readFully(bytes);
            position += bytes.length;
            String text = partial + new String(bytes, StandardCharsets.UTF_8);
            int start = 0;
            for (int newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', start)) {
                lines.add(text.substring(start, newline));
                start = newline + 1;
            }
            partial = text.substring(start);
        } catch (IOException e) {
            lines.add("[cannot read " + file + ": " + e + "]");
        }
        return lines;
    }

    /** The last {@code count} lines of the file, for a failure message. */
    static String tail(Path file, int count) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - count), all.size()));
        } catch (IOException e) {
            return "[cannot read " + file + ": " + e + "]";
        }
    }
}
