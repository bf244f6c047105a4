package io.portwatch.analysis.output;

/**
 * TCP handshake and teardown counts of one server port in one window.
 *
 * @param syn         SYN without ACK, client to server
 * @param synAck      SYN+ACK, server to client
 * @param rst         RST, either way
 * @param fin         FIN, either way
 * @param established handshakes completed (the client's ACK of the SYN+ACK)
 * @param rejected    attempts answered by RST from the server instead of SYN+ACK
 * @param unanswered  attempts (SYN seen) that ended with no answer from the server
 */
public record TcpCounts(long syn, long synAck, long rst, long fin, long established, long rejected,
                        long unanswered) {
}
