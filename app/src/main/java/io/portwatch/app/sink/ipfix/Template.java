package io.portwatch.app.sink.ipfix;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * One template: its ID and fields in order, the bytes of its template record, and how it writes a data
 * record from {@link RecordValues}. Immutable.
 */
final class Template {

    /** A field of the template: an IANA element, or its RFC 5103 reverse. */
    record Field(Element element, boolean reverse) {
        int specifierLength() {
            return reverse ? IpfixLayout.FIELD_LENGTH_ENTERPRISE : IpfixLayout.FIELD_LENGTH_IANA;
        }
    }

    final int id;
    private final Field[] fields;
    private final int fixedLength;
    private final int templateRecordLength;

    Template(int id, List<Field> fields) {
        if (id < IpfixLayout.FIRST_TEMPLATE_ID || id > 0xFFFF) {
            throw new IllegalArgumentException("template ID out of range: " + id);
        }
        this.id = id;
        this.fields = fields.toArray(new Field[0]);
        int fixed = 0;
        int spec = IpfixLayout.TEMPLATE_HEADER_LENGTH;
        for (Field f : this.fields) {
            fixed += f.element().variable() ? 1 : f.element().length; // a variable field: at least its length byte
            spec += f.specifierLength();
        }
        this.fixedLength = fixed;
        this.templateRecordLength = spec;
    }

    /** The bytes its template record takes in a template set. */
    int templateRecordLength() {
        return templateRecordLength;
    }

    /** The bytes a data record of these values takes (variable fields with a one-byte length: under 255). */
    int recordLength(RecordValues v) {
        int n = fixedLength;
        for (Field f : fields) {
            if (f.element() == Element.TUNNEL_TECHNOLOGY) {
                n += v.tunnelTechnology.length;
            }
        }
        return n;
    }

    /** Writes the template record (into a template set). */
    void writeTemplateRecord(ByteBuffer b) {
        b.putShort((short) id);
        b.putShort((short) fields.length);
        for (Field f : fields) {
            if (f.reverse()) {
                b.putShort((short) (f.element().id | IpfixLayout.ENTERPRISE_BIT));
                b.putShort((short) f.element().length);
                b.putInt((int) IpfixLayout.REVERSE_PEN);
            } else {
                b.putShort((short) f.element().id);
                b.putShort((short) f.element().length);
            }
        }
    }

    /** Writes one data record of the values, field by field in template order. */
    void writeRecord(ByteBuffer b, RecordValues v) {
        for (Field f : fields) {
            switch (f.element()) {
                case OCTET_DELTA_COUNT -> b.putLong(f.reverse() ? v.reverseOctets : v.octets);
                case PACKET_DELTA_COUNT -> b.putLong(f.reverse() ? v.reversePackets : v.packets);
                case PROTOCOL_IDENTIFIER -> b.put((byte) v.protocol);
                case TCP_CONTROL_BITS -> b.putShort((short) (v.tcpFlags & 0x0FFF));
                case SOURCE_TRANSPORT_PORT -> b.putShort((short) v.sourcePort);
                case DESTINATION_TRANSPORT_PORT -> b.putShort((short) v.destinationPort);
                case SOURCE_IPV4_ADDRESS -> b.put(v.source, 0, 4);
                case DESTINATION_IPV4_ADDRESS -> b.put(v.destination, 0, 4);
                case SOURCE_IPV6_ADDRESS -> b.put(v.source, 0, 16);
                case DESTINATION_IPV6_ADDRESS -> b.put(v.destination, 0, 16);
                case VLAN_ID -> b.putShort((short) v.vlanId);
                case FLOW_END_REASON -> b.put((byte) v.endReason);
                case FLOW_START_MILLISECONDS -> b.putLong(v.startMillis);
                case FLOW_END_MILLISECONDS -> b.putLong(v.endMillis);
                case POST_NAT_SOURCE_IPV4_ADDRESS -> b.put(v.outerSource, 0, 4);
                case POST_NAT_DESTINATION_IPV4_ADDRESS -> b.put(v.outerDestination, 0, 4);
                case POST_NAT_SOURCE_IPV6_ADDRESS -> b.put(v.outerSource, 0, 16);
                case POST_NAT_DESTINATION_IPV6_ADDRESS -> b.put(v.outerDestination, 0, 16);
                case BIFLOW_DIRECTION -> b.put((byte) v.biflowDirection);
                case TUNNEL_TECHNOLOGY -> {
                    b.put((byte) v.tunnelTechnology.length);
                    b.put(v.tunnelTechnology);
                }
            }
        }
    }

    /** The fields, in order (for tests and docs). */
    List<Field> fields() {
        return List.of(fields);
    }
}
