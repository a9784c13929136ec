package com.example.payments;

/**
 * A payment into an account, as JSON in the {@code payments} topic: {@code {"account":"alice","amountCents":1250}}.
 *
 * @param account the account it is paid into; also the record's Kafka key, so that an account's payments share a
 *     partition
 * @param amountCents the amount, in cents
 */
public record Payment(String account, long amountCents) {}
