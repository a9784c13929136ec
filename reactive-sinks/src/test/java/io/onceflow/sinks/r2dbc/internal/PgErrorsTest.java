package io.onceflow.sinks.r2dbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.core.FencedException;
import io.onceflow.core.OnceflowException;
import io.r2dbc.spi.R2dbcBadGrammarException;
import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcRollbackException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class PgErrorsTest {

    @Test
    void dataExceptionsAndConstraintViolationsAreTheRowsFault() {
        assertThat(PgErrors.classify(new R2dbcDataIntegrityViolationException("dup", "23505")))
                .isEqualTo(PgErrors.Kind.ROW);
        // r2dbc-postgresql reports 22001 as "bad grammar": the SQLSTATE decides, not the class
        assertThat(PgErrors.classify(new R2dbcBadGrammarException("too long", "22001")))
                .isEqualTo(PgErrors.Kind.ROW);
        assertThat(PgErrors.classify(new R2dbcBadGrammarException("json", "22P02")))
                .isEqualTo(PgErrors.Kind.ROW);
        assertThat(PgErrors.classify(new R2dbcBadGrammarException("twice", "21000")))
                .isEqualTo(PgErrors.Kind.ROW);
        // an index entry over 2,704 bytes: a row's key, which a replay would send again
        assertThat(PgErrors.classify(new R2dbcNonTransientResourceException("index row size 6416", "54000")))
                .isEqualTo(PgErrors.Kind.ROW);
    }

    @Test
    void serializationDeadlocksShutdownsAndLostConnectionsAreTransient() {
        assertThat(PgErrors.classify(new R2dbcRollbackException("serialization", "40001")))
                .isEqualTo(PgErrors.Kind.TRANSIENT);
        assertThat(PgErrors.classify(new R2dbcRollbackException("deadlock", "40P01")))
                .isEqualTo(PgErrors.Kind.TRANSIENT);
        assertThat(PgErrors.classify(new R2dbcNonTransientResourceException("shutdown", "57P01")))
                .isEqualTo(PgErrors.Kind.TRANSIENT);
        assertThat(PgErrors.classify(new R2dbcTransientResourceException("closed")))
                .isEqualTo(PgErrors.Kind.TRANSIENT);
        assertThat(PgErrors.classify(new IOException("Connection reset by peer")))
                .isEqualTo(PgErrors.Kind.TRANSIENT);
    }

    @Test
    void missingObjectsAndPrivilegesArePermanent() {
        assertThat(PgErrors.classify(new R2dbcBadGrammarException("no table", "42P01")))
                .isEqualTo(PgErrors.Kind.PERMANENT);
        assertThat(PgErrors.classify(new R2dbcBadGrammarException("denied", "42501")))
                .isEqualTo(PgErrors.Kind.PERMANENT);
    }

    @Test
    void translationSaysWhetherARestartCanHelpAndKeepsOnceflowExceptions() {
        Throwable transientFailure = PgErrors.translate("commit", new R2dbcRollbackException("deadlock", "40P01"));
        assertThat(transientFailure).isInstanceOf(OnceflowException.class).hasMessageContaining("[SQLSTATE 40P01]");
        assertThat(((OnceflowException) transientFailure).isRetryable()).isTrue();
        Throwable permanent = PgErrors.translate("commit", new R2dbcBadGrammarException("no table", "42P01"));
        assertThat(((OnceflowException) permanent).isRetryable()).isFalse();
        Throwable rowOutsideData = PgErrors.translate("state", new R2dbcBadGrammarException("nul", "22021"));
        assertThat(((OnceflowException) rowOutsideData).isRetryable()).isFalse();
        FencedException fenced = new FencedException("fenced", null);
        assertThat(PgErrors.translate("commit", fenced)).isSameAs(fenced);
    }
}
