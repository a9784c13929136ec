package io.onceflow.testinfra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@WithPostgres
class PostgresDatabaseTest {

    @Test
    void freshDatabaseExistsAndIsEmpty(PostgresDatabase db) throws SQLException {
        assertThat(db.database()).matches("onceflow_[a-z0-9]{12}");
        assertThat(db.jdbcUrl()).isEqualTo("jdbc:postgresql://" + db.host() + ":" + db.port() + "/" + db.database());
        assertThat(db.r2dbcUrl()).startsWith("r2dbc:postgresql://" + db.user()).endsWith("/" + db.database());
        try (Connection connection = db.openConnection();
                var rows = connection.createStatement().executeQuery("SELECT current_database()")) {
            rows.next();
            assertThat(rows.getString(1)).isEqualTo(db.database());
        }
        assertThat(db.queryForLong("SELECT count(*) FROM information_schema.tables"
                        + " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"))
                .isZero();
    }

    @Test
    void executeAndQuery(PostgresDatabase db) throws SQLException {
        db.execute("CREATE TABLE IF NOT EXISTS numbers (n int)");
        assertThat(db.execute("INSERT INTO numbers VALUES (1), (2), (3)")).isEqualTo(3);
        assertThat(db.queryForLong("SELECT sum(n) FROM numbers")).isEqualTo(6);
        db.execute("DROP TABLE numbers");
    }

    @Test
    void terminatedConnectionLosesItsTransaction(PostgresDatabase db) throws SQLException {
        db.execute("CREATE TABLE ledger (id int PRIMARY KEY)");
        try (Connection connection = db.openConnection()) {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                statement.executeUpdate("INSERT INTO ledger VALUES (1)");
            }

            assertThat(db.terminateConnections()).isGreaterThanOrEqualTo(1);

            assertThatThrownBy(() -> {
                        try (Statement statement = connection.createStatement()) {
                            statement.executeUpdate("INSERT INTO ledger VALUES (2)");
                        }
                    })
                    .isInstanceOf(SQLException.class);
        }
        assertThat(db.queryForLong("SELECT count(*) FROM ledger")).isZero();
        db.execute("DROP TABLE ledger");
    }

    @Nested
    class NestedClasses {
        @Test
        void shareTheEnclosingClassDatabase(PostgresDatabase db) throws SQLException {
            db.execute("CREATE TABLE IF NOT EXISTS seen_from_nested (id int)");
            assertThat(db.queryForLong("SELECT count(*) FROM seen_from_nested")).isZero();
        }
    }
}
