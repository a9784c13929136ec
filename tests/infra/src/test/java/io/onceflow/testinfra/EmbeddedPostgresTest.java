package io.onceflow.testinfra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

@WithPostgres(mode = PostgresMode.EMBEDDED)
class EmbeddedPostgresTest {

    @Test
    void restartKeepsCommittedDataAndBreaksConnections(PostgresDatabase db) throws SQLException {
        assertThat(db.mode()).isEqualTo(PostgresMode.EMBEDDED);
        assertThat(db.canRestartServer()).isTrue();
        assertThat(db.queryForLong("SELECT current_setting('server_version_num')::int"))
                .isGreaterThanOrEqualTo(140000);
        db.execute("CREATE TABLE survivors (id int); INSERT INTO survivors VALUES (1)");
        int port = db.port();

        try (Connection before = db.openConnection()) {
            db.restartServer();
            assertThatThrownBy(() -> {
                        try (Statement statement = before.createStatement()) {
                            statement.execute("SELECT 1");
                        }
                    })
                    .isInstanceOf(SQLException.class);
        }
        assertThat(db.port()).isEqualTo(port);
        assertThat(db.queryForLong("SELECT count(*) FROM survivors")).isEqualTo(1);
    }

    @Test
    void terminateConnectionsWorksHereToo(PostgresDatabase db) throws SQLException {
        try (Connection open = db.openConnection()) {
            assertThat(db.terminateConnections()).isEqualTo(1);
            assertThat(open.isValid(5)).isFalse();
        }
    }
}
