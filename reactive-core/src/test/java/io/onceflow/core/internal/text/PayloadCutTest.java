package io.onceflow.core.internal.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PayloadCutTest {

    @Test
    void aPayloadWithinTheBoundIsKeptWhole() {
        byte[] payload = {1, 2, 3};
        PayloadCut kept = PayloadCut.of(payload, 3);
        assertThat(kept.cut()).isFalse();
        assertThat(kept.head()).isSameAs(payload);
        assertThat(kept.length()).isEqualTo(3);
        assertThat(kept.sha256()).isNull();
    }

    @Test
    void aLargerPayloadKeepsItsBeginningWithTheLengthAndDigestOfTheWhole() {
        byte[] payload = new byte[1_000];
        Arrays.fill(payload, (byte) 7);
        PayloadCut cut = PayloadCut.of(payload, 100);
        assertThat(cut.cut()).isTrue();
        assertThat(cut.head()).hasSize(100).containsOnly((byte) 7);
        assertThat(cut.length()).isEqualTo(1_000);
        assertThat(cut.sha256()).isEqualTo(PayloadCut.sha256(payload)).hasSize(64);
        assertThat(PayloadCut.sha256("abc".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void textIsCutAtACharactersBoundary() {
        // 'a' is one byte, 'é' two, '€' three, an emoji four (a surrogate pair in Java)
        String text = "a\u00e9\u20ac\uD83D\uDE00z";
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        assertThat(utf8).hasSize(11);
        int[] expected = {0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10, 11};
        for (int max = 0; max <= 11; max++) {
            assertThat(Utf8Text.boundary(utf8, max)).as("cut at %d", max).isEqualTo(expected[max]);
            String head = new String(Utf8Text.head(utf8, max), StandardCharsets.UTF_8);
            assertThat(text).as("cut at %d", max).startsWith(head);
            assertThat(Utf8Text.cut(text, max)).isEqualTo(head);
            PayloadCut cut = PayloadCut.ofText(utf8, max);
            assertThat(cut.cut()).isEqualTo(max < 11);
            assertThat(new String(cut.head(), StandardCharsets.UTF_8)).isEqualTo(head);
        }
    }

    @Test
    void shortTextIsNotEncodedToBeMeasured() {
        String text = "short";
        assertThat(Utf8Text.cut(text, 15)).isSameAs(text);
        assertThat(Utf8Text.cut(text, 5)).isSameAs(text);
        assertThat(Utf8Text.cut(text, 4)).isEqualTo("shor");
    }
}
