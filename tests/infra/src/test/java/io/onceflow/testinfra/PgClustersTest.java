package io.onceflow.testinfra;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PgClustersTest {

    @Test
    void parsesPgLsclusters() {
        String output = "15  main    5432 online postgres /var/lib/postgresql/15/main /var/log/postgresql/x.log\n"
                + "16  replica 5433 down   postgres /var/lib/postgresql/16/replica /var/log/postgresql/y.log\n\n";
        assertThat(PgClusters.parse(output))
                .containsExactly(
                        new PgClusters.Cluster("15", "main", 5432), new PgClusters.Cluster("16", "replica", 5433));
    }
}
