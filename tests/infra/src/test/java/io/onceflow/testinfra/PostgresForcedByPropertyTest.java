package io.onceflow.testinfra;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** Runs in its own surefire execution, started with {@code -Donceflow.test.postgres=embedded}. */
@WithPostgres
class PostgresForcedByPropertyTest {

    @Test
    void propertyForcesEmbeddedServer(PostgresDatabase db) throws SQLException {
        assertThat(System.getProperty("onceflow.test.postgres")).isEqualTo("embedded");
        assertThat(db.mode()).isEqualTo(PostgresMode.EMBEDDED);
        assertThat(db.queryForLong("SELECT 1")).isEqualTo(1);
    }
}
