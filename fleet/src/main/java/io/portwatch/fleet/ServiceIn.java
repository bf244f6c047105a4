package io.portwatch.fleet;

/**
 * A sensor's {@code service} record: one exposed service seen answering in one of its windows. Times stay
 * in the sensor's text (RFC 3339, the capture's precision) so that the fleet writes them back unchanged.
 *
 * @param firstSeen when the sensor first saw it answer (this run)
 * @param lastSeen  when it last answered a new flow
 * @param flows     flows it answered in the window
 * @param clients   distinct clients it answered since first seen, on that sensor
 */
record ServiceIn(String sensor, String transport, String address, int port, String service, String firstSeen,
                 String lastSeen, long flows, long clients) {

    /** The fleet's key of the service: {@code tcp/192.0.2.1/22}. */
    String serviceKey() {
        return transport + "/" + address + "/" + port;
    }
}
