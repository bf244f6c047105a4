package io.portwatch.app.sink.ipfix;

/**
 * Where things are in an IPFIX message (RFC 7011, section 3): the message header, set headers, template
 * records and their field specifiers, as named offsets and lengths. All numbers are big-endian.
 *
 * <pre>
 * message:  version(2) length(2) exportTime(4) sequenceNumber(4) observationDomainId(4) | sets...
 * set:      setId(2) length(2) | records...           (setId 2: templates; 256 and up: data of that template)
 * template: templateId(2) fieldCount(2) | field specifiers...
 * field:    elementId(2, top bit: enterprise) length(2) [enterpriseNumber(4) when the top bit is set]
 * </pre>
 */
final class IpfixLayout {

    private IpfixLayout() {
    }

    /** The version field of every IPFIX message. */
    static final int VERSION = 10;

    // message header
    static final int MESSAGE_VERSION = 0;
    static final int MESSAGE_LENGTH = 2;
    static final int MESSAGE_EXPORT_TIME = 4;
    static final int MESSAGE_SEQUENCE = 8;
    static final int MESSAGE_DOMAIN = 12;
    static final int MESSAGE_HEADER_LENGTH = 16;

    // set header
    static final int SET_ID = 0;
    static final int SET_LENGTH = 2;
    static final int SET_HEADER_LENGTH = 4;
    /** The set ID of a template set. */
    static final int TEMPLATE_SET_ID = 2;
    /** The lowest template ID, and data set ID (below it: set IDs reserved by the RFC). */
    static final int FIRST_TEMPLATE_ID = 256;

    // template record header
    static final int TEMPLATE_ID = 0;
    static final int TEMPLATE_FIELD_COUNT = 2;
    static final int TEMPLATE_HEADER_LENGTH = 4;

    // field specifier
    static final int FIELD_ELEMENT_ID = 0;
    static final int FIELD_LENGTH = 2;
    static final int FIELD_ENTERPRISE = 4;
    static final int FIELD_LENGTH_IANA = 4;
    static final int FIELD_LENGTH_ENTERPRISE = 8;
    /** The top bit of an element ID: an enterprise number follows. */
    static final int ENTERPRISE_BIT = 0x8000;
    /** The field length that says: variable, a length prefix in each record. */
    static final int VARIABLE_LENGTH = 0xFFFF;

    /** RFC 5103's private enterprise number: an element under it is the reverse direction of the IANA one. */
    static final long REVERSE_PEN = 29305;

    /** The largest message: its length field has 16 bits. */
    static final int MAX_MESSAGE = 0xFFFF;
}
