package io.portwatch.fleet;

import java.util.List;

/**
 * A sensor's {@code scan_evidence} record: one source's first contacts in one of its windows, with TRW's
 * log-likelihood ratio over them (additive across sensors, which see independent contacts).
 *
 * @param failed       failed first contacts (source, target, port)
 * @param answered     answered first contacts
 * @param targets      distinct targets of those contacts
 * @param ports        distinct ports of those contacts
 * @param targetSample some of the targets (all of them when there are few)
 * @param portSample   some of the ports, as {@code tcp/22}
 */
record ScanEvidenceIn(String sensor, long windowStart, long windowEnd, String source, String transport,
                      long failed, long answered, long targets, long ports, double logLikelihoodRatio,
                      List<String> targetSample, List<String> portSample) implements SensorRecord {
}
