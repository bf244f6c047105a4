package io.portwatch.analysis.output;

import java.util.List;

/**
 * What one source's first contacts over one transport in one window say of it, when at least one of them
 * failed: the Threshold Random Walk's evidence (Jung et al. 2004), which adds up across windows and
 * sensors, so that a fleet can sum what each sensor saw too little of to raise an alert. A first contact
 * is the first outcome of a (source, target, port) in the window: answered (a SYN+ACK or data, a UDP
 * reply) or failed (a RST, an ICMP unreachable, a probe never answered). Immutable; travels inside its
 * {@link WindowReport}.
 *
 * @param source             the source's address, as text
 * @param transport          TCP or UDP
 * @param failed             first contacts that failed
 * @param answered           first contacts that were answered
 * @param targets            distinct targets of the first contacts
 * @param ports              distinct ports of the first contacts
 * @param logLikelihoodRatio {@code failed * ln((1-θ1)/(1-θ0)) + answered * ln(θ1/θ0)} with the detectors'
 *                           TRW parameters (θ0 0.8, θ1 0.2: +ln 4 a failure, -ln 4 an answer)
 * @param targetSample       the first targets contacted, at most 10
 * @param portSample         the lowest ports contacted, at most 20, each with its transport ({@code tcp/22})
 */
public record ScanEvidence(String source, Transport transport, long failed, long answered, long targets,
                           long ports, double logLikelihoodRatio, List<String> targetSample,
                           List<String> portSample) {

    public ScanEvidence {
        targetSample = List.copyOf(targetSample);
        portSample = List.copyOf(portSample);
    }
}
