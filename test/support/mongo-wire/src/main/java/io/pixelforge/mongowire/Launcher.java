// Runs mongo-java-server on a chosen (or free) port for Pixelforge tests and `pixelforge up`.
package io.pixelforge.mongowire;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.AbstractMongoBackend;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.message.MongoMessage;
import java.net.InetSocketAddress;
import java.util.List;
import org.h2.mvstore.MVStore;

/**
 * Usage: {@code Launcher [--host 127.0.0.1] [--port 0] [--data <file>] [--durability write|fsync|background]}.
 * Prints {@code listening <host>:<port>} once bound, then serves until SIGTERM or until stdin closes (so it never
 * outlives the process that started it).
 *
 * <p>Durability of the file store (ignored in memory): {@code write} (default) commits every change to the file
 * before the reply, so a kill -9 of the server loses nothing it answered; {@code fsync} also forces it to disk,
 * so a power loss loses nothing either; {@code background} is H2's own default, a commit about every second.
 */
public final class Launcher {

    /** The Node driver 7.x refuses servers below wire version 9, and mongo-java-server defaults to 8. */
    private static final MongoVersion MONGO_7_0 = new MongoVersion() {
        @Override
        public List<Integer> getVersionArray() {
            return List.of(7, 0, 0);
        }

        @Override
        public int getWireVersion() {
            return 21;
        }
    };

    private Launcher() {}

    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 0;
        String dataFile = null;
        String durability = "write";
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--host" -> host = require(args[i], value);
                case "--port" -> port = Integer.parseInt(require(args[i], value));
                case "--data" -> dataFile = require(args[i], value);
                case "--durability" -> durability = require(args[i], value);
                default -> fail("unknown argument " + args[i]);
            }
            i++;
        }

        AbstractMongoBackend backend = dataFile == null ? new MemoryBackend() : openFileBackend(dataFile, durability);
        backend.version(MONGO_7_0);
        MongoServer server = new MongoServer(backend);
        try {
            server.bind(host, port);
        } catch (Exception e) {
            // Netty rethrows BindException unchecked past MongoServer's cleanup; its live threads would keep the JVM up.
            e.printStackTrace();
            System.exit(1);
        }
        // shutdownNow closes client connections first, then the backend: the H2 store commits and closes its file.
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "mongo-wire-shutdown"));

        InetSocketAddress address = server.getLocalAddress();
        System.out.println("listening " + address.getHostString() + ":" + address.getPort());
        System.out.flush();

        while (System.in.read() != -1) {
            // Input is ignored; only end-of-file matters.
        }
        System.exit(0);
    }

    private static AbstractMongoBackend openFileBackend(String dataFile, String durability) {
        return switch (durability) {
            case "background" -> new H2Backend(dataFile);
            case "write", "fsync" -> new CommittingH2Backend(
                    new MVStore.Builder().fileName(dataFile).autoCommitDisabled().open(), durability.equals("fsync"));
            default -> {
                fail("--durability must be write, fsync or background, not " + durability);
                yield null;
            }
        };
    }

    /**
     * Commits (and with {@code fsync}, syncs) the store after every message that changed it, before the reply
     * goes out. One lock makes concurrent writers share a commit: whoever gets it next finds the others'
     * changes already stored. Background commits are off, so no commit runs outside this lock. Every command
     * of a current driver arrives as an OP_MSG ({@code handleMessage}); the legacy OP_QUERY path only
     * carries the handshake.
     */
    private static final class CommittingH2Backend extends H2Backend {
        private final MVStore store;
        private final boolean fsync;
        private final Object commitLock = new Object();

        CommittingH2Backend(MVStore store, boolean fsync) {
            super(store);
            this.store = store;
            this.fsync = fsync;
        }

        @Override
        public Document handleMessage(MongoMessage message) {
            try {
                return super.handleMessage(message);
            } finally {
                persist();
            }
        }

        private void persist() {
            synchronized (commitLock) {
                if (store.isClosed() || !store.hasUnsavedChanges()) {
                    return;
                }
                store.commit();
                if (fsync) {
                    store.sync();
                }
            }
        }
    }

    private static String require(String flag, String value) {
        if (value == null) {
            fail(flag + " needs a value");
        }
        return value;
    }

    private static void fail(String message) {
        System.err.println("mongo-wire: " + message);
        System.exit(2);
    }
}
