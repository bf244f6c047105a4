package io.portwatch.fleet;

/**
 * A sensor's record that belongs to one of the sensor's windows: what the fleet's windowed aggregations
 * take in. Times are epoch milliseconds of the sensor's clock, which the fleet trusts.
 */
interface SensorRecord {

    /** The sensor that wrote it ({@code --sensor}). */
    String sensor();

    /** The start of the sensor's window. */
    long windowStart();

    /** The end of the sensor's window: the event time the record stands for. */
    long windowEnd();
}
