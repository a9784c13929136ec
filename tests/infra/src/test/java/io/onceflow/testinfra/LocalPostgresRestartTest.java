package io.onceflow.testinfra;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Restarts the machine's own PostgreSQL, which would cut off everyone else using it: opt in with
 * {@code -Donceflow.test.postgres.restart-local=true}.
 */
@EnabledIfSystemProperty(named = "onceflow.test.postgres.restart-local", matches = "true")
@WithPostgres(mode = PostgresMode.LOCAL)
class LocalPostgresRestartTest {

    @Test
    void restartsTheLocalClusterThroughPgCtlcluster(PostgresDatabase db) throws SQLException {
        assertThat(db.canRestartServer()).isTrue();
        db.execute("CREATE TABLE survivors (id int); INSERT INTO survivors VALUES (1)");
        db.restartServer();
        assertThat(db.queryForLong("SELECT count(*) FROM survivors")).isEqualTo(1);
    }
}
