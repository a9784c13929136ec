package io.onceflow.testinfra;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server we did not start: the configured one, or the local one on 127.0.0.1:5432. The local server can be
 * restarted when {@code pg_lsclusters} lists a cluster on its port (Debian's postgresql-common, run as root or as
 * the cluster's owner).
 */
final class ExternalPostgresServer implements PostgresServer {
    private static final Logger log = LoggerFactory.getLogger(ExternalPostgresServer.class);
    private final PostgresMode mode;
    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final String adminDatabase;
    private volatile Optional<PgClusters.Cluster> cluster;

    ExternalPostgresServer(
            PostgresMode mode, String host, int port, String user, String password, String adminDatabase) {
        this.mode = mode;
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        this.adminDatabase = adminDatabase;
    }

    @Override
    public PostgresMode mode() {
        return mode;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String user() {
        return user;
    }

    @Override
    public String password() {
        return password;
    }

    @Override
    public String adminDatabase() {
        return adminDatabase;
    }

    @Override
    public boolean canRestart() {
        return localCluster().isPresent();
    }

    @Override
    public void restart() {
        PgClusters.Cluster target = localCluster()
                .orElseThrow(() -> new UnsupportedOperationException("cannot restart the " + mode
                        + " PostgreSQL server at " + host + ":" + port + ": it is not a local pg_ctlcluster cluster"));
        long start = System.nanoTime();
        PgClusters.restart(target);
        awaitConnectable(Duration.ofSeconds(60));
        log.info(
                "PostgreSQL cluster {}/{} on {}:{} restarted in {} ms",
                target.version(),
                target.name(),
                host,
                port,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    /** A configured server is someone else's, even when it happens to run here: only LOCAL is ours to restart. */
    private Optional<PgClusters.Cluster> localCluster() {
        if (mode != PostgresMode.LOCAL) {
            return Optional.empty();
        }
        Optional<PgClusters.Cluster> found = cluster;
        if (found == null) {
            found = PgClusters.onPort(port);
            cluster = found;
        }
        return found;
    }

    @Override
    public void close() {
        // not ours to stop
    }

    @Override
    public String toString() {
        return mode + " PostgreSQL at " + host + ":" + port;
    }
}
