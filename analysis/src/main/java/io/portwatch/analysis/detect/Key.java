package io.portwatch.analysis.detect;

/** A map key of up to two 128-bit addresses and an int (transport and port), for the service baseline. */
final class Key {
    long aHi;
    long aLo;
    long bHi;
    long bLo;
    int n;

    Key set(long aHi, long aLo, long bHi, long bLo, int n) {
        this.aHi = aHi;
        this.aLo = aLo;
        this.bHi = bHi;
        this.bLo = bLo;
        this.n = n;
        return this;
    }

    /** Transport and port packed in an int: {@code protocol << 16 | port}. */
    static int protoPort(int protocol, int port) {
        return protocol << 16 | port;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Key k && k.aLo == aLo && k.bLo == bLo && k.n == n && k.aHi == aHi && k.bHi == bHi;
    }

    @Override
    public int hashCode() {
        long h = aHi * 0x9E3779B97F4A7C15L ^ aLo;
        h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L ^ bHi;
        h = (h ^ (h >>> 29)) * 0x94D049BB133111EBL ^ bLo;
        h = (h ^ (h >>> 32)) * 0x9E3779B97F4A7C15L + n;
        return (int) (h ^ (h >>> 32));
    }
}
