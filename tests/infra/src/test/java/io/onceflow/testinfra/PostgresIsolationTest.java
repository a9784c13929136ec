package io.onceflow.testinfra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.platform.testkit.engine.EngineTestKit;

/** Runs two sample classes through JUnit and checks what the extension did to them. */
@WithPostgres
class PostgresIsolationTest {
    static final List<String> DATABASES = new CopyOnWriteArrayList<>();

    @Test
    void eachClassGetsItsOwnDatabaseDroppedAfterwards(PostgresDatabase mine) throws Exception {
        DATABASES.clear();
        EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(FirstSample.class), selectClass(SecondSample.class))
                .execute()
                .testEvents()
                .assertStatistics(stats -> stats.started(3).succeeded(3));

        assertThat(DATABASES).hasSize(3).doesNotContain(mine.database());
        assertThat(DATABASES.stream().distinct()).hasSize(2);
        assertThat(DATABASES.get(0)).isEqualTo(DATABASES.get(1)); // FirstSample's two methods share one
        try (Connection connection = mine.openConnection();
                PreparedStatement exists =
                        connection.prepareStatement("SELECT count(*) FROM pg_database WHERE datname = ANY (?)")) {
            exists.setArray(1, connection.createArrayOf("text", DATABASES.toArray()));
            try (ResultSet rows = exists.executeQuery()) {
                rows.next();
                assertThat(rows.getLong(1)).as("dropped after their class").isZero();
            }
        }
    }

    @WithPostgres
    @TestMethodOrder(MethodOrderer.MethodName.class)
    static class FirstSample {
        @Test
        void a(PostgresDatabase db) throws Exception {
            DATABASES.add(db.database());
            db.execute("CREATE TABLE kept_between_methods (id int)");
        }

        @Test
        void b(PostgresDatabase db) throws Exception {
            DATABASES.add(db.database());
            assertThat(db.queryForLong("SELECT count(*) FROM kept_between_methods"))
                    .isZero();
        }
    }

    @WithPostgres
    static class SecondSample {
        @Test
        void c(PostgresDatabase db) throws Exception {
            DATABASES.add(db.database());
            // Empty: FirstSample's table is not here.
            assertThat(db.queryForLong("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"))
                    .isZero();
        }
    }
}
