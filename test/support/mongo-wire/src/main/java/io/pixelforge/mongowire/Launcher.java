// Runs mongo-java-server on a chosen (or free) port for Pixelforge tests and `pixelforge up`.
package io.pixelforge.mongowire;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.AbstractMongoBackend;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Usage: {@code Launcher [--host 127.0.0.1] [--port 0] [--data <file>]}. Prints {@code listening <host>:<port>}
 * once bound, then serves until SIGTERM or until stdin closes (so it never outlives the process that started it).
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
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--host" -> host = require(args[i], value);
                case "--port" -> port = Integer.parseInt(require(args[i], value));
                case "--data" -> dataFile = require(args[i], value);
                default -> fail("unknown argument " + args[i]);
            }
            i++;
        }

        AbstractMongoBackend backend = dataFile == null ? new MemoryBackend() : new H2Backend(dataFile);
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
