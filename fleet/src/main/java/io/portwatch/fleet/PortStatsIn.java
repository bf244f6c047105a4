package io.portwatch.fleet;

/**
 * A sensor's {@code port_stats} record, as far as the fleet uses it (its top talkers are left out). Carried
 * through the repartition topic as JSON ({@link JsonSerde}). Immutable (the array is never written after
 * parsing).
 *
 * @param tcp        the TCP outcomes in {@link #TCP_FIELDS} order, or null (UDP)
 * @param clientsHll base64 of the sketch of the port's client addresses, or null when the sensor sent none
 * @param serversHll the same for server addresses
 * @param hllKey     how the sensor hashed addresses into them ({@code public} or {@code fleet}), or null
 */
record PortStatsIn(String sensor, long windowStart, long windowEnd, String transport, int port, String service,
                   String portClass, long flows, long activeFlows, long packets, long bytes, long packetsToServer,
                   long packetsToClient, long bytesToServer, long bytesToClient, long[] tcp, String clientsHll,
                   String serversHll, String hllKey) implements SensorRecord {

    /** The TCP outcome counters of a {@code port_stats} record, in the order the sensors write them. */
    static final String[] TCP_FIELDS = {"syn", "syn_ack", "rst", "fin", "established", "rejected", "unanswered"};

    /** The fleet's key of the port: {@code tcp/443}. */
    String portKey() {
        return transport + "/" + port;
    }
}
