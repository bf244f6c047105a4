package io.portwatch.analysis.output;

import java.util.Arrays;
import java.util.Objects;

/**
 * The mergeable distinct counts of one port in one window: Apache DataSketches HLL sketches (lgConfigK 12,
 * HLL_4, as {@code toCompactByteArray()} writes them) of the client and of the server addresses of the
 * port's active flows. Immutable: the arrays are copied in and out.
 *
 * @param key     how addresses went into the sketches: {@link #FLEET} (hashed with the fleet key first) or
 *                {@link #PUBLIC} (their 16 bytes); only sketches of the same key merge
 * @param clients the clients' sketch
 * @param servers the servers' sketch
 */
public record PeerSketches(String key, byte[] clients, byte[] servers) {

    /** Addresses went in hashed with the fleet's key. */
    public static final String FLEET = "fleet";
    /** Addresses went in as their 16 bytes. */
    public static final String PUBLIC = "public";

    public PeerSketches {
        if (!FLEET.equals(key) && !PUBLIC.equals(key)) {
            throw new IllegalArgumentException("key must be fleet or public, not " + key);
        }
        clients = clients.clone();
        servers = servers.clone();
    }

    @Override
    public byte[] clients() {
        return clients.clone();
    }

    @Override
    public byte[] servers() {
        return servers.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerSketches p && key.equals(p.key) && Arrays.equals(clients, p.clients)
                && Arrays.equals(servers, p.servers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, Arrays.hashCode(clients), Arrays.hashCode(servers));
    }

    @Override
    public String toString() {
        return "PeerSketches[" + key + ", clients " + clients.length + " bytes, servers " + servers.length + " bytes]";
    }
}
