package io.portwatch.app.sink.ipfix;

import java.util.ArrayList;
import java.util.List;

/**
 * The templates a flow record may need, by its shape: IPv4 or IPv6, with a VLAN ID or not, in an IPv4 or
 * IPv6 tunnel or none; each uniflow or biflow (one mode per exporter). Twelve shapes, each its own
 * template ID ({@code 256 + shape}), made once; only those a run uses are ever sent. A template per shape
 * rather than one with every field keeps records free of fields that would say nothing (a VLAN ID of a
 * flow without a tag).
 */
final class Templates {

    private static final int IPV6 = 1;
    private static final int VLAN = 2;
    private static final int TUNNEL_V4 = 4;
    private static final int TUNNEL_V6 = 8;
    private static final int SHAPES = 16;

    private final Template[] byShape = new Template[SHAPES];

    Templates(boolean biflow) {
        for (int s = 0; s < SHAPES; s++) {
            if ((s & TUNNEL_V4) != 0 && (s & TUNNEL_V6) != 0) {
                continue;
            }
            byShape[s] = new Template(IpfixLayout.FIRST_TEMPLATE_ID + s, fields(s, biflow));
        }
    }

    /** The template of the values' shape. */
    Template of(RecordValues v) {
        int s = (v.ipv6 ? IPV6 : 0) | (v.vlanId >= 0 ? VLAN : 0)
                | (v.tunnelFamily == 4 ? TUNNEL_V4 : v.tunnelFamily == 6 ? TUNNEL_V6 : 0);
        return byShape[s];
    }

    /** The largest template record (what must fit in a message beside a data record). */
    int largestTemplateRecord() {
        int n = 0;
        for (Template t : byShape) {
            if (t != null) {
                n = Math.max(n, t.templateRecordLength());
            }
        }
        return n;
    }

    private static List<Template.Field> fields(int shape, boolean biflow) {
        List<Template.Field> f = new ArrayList<>();
        boolean v6 = (shape & IPV6) != 0;
        add(f, v6 ? Element.SOURCE_IPV6_ADDRESS : Element.SOURCE_IPV4_ADDRESS);
        add(f, v6 ? Element.DESTINATION_IPV6_ADDRESS : Element.DESTINATION_IPV4_ADDRESS);
        add(f, Element.SOURCE_TRANSPORT_PORT);
        add(f, Element.DESTINATION_TRANSPORT_PORT);
        add(f, Element.PROTOCOL_IDENTIFIER);
        add(f, Element.TCP_CONTROL_BITS);
        add(f, Element.PACKET_DELTA_COUNT);
        add(f, Element.OCTET_DELTA_COUNT);
        if (biflow) {
            f.add(new Template.Field(Element.PACKET_DELTA_COUNT, true));
            f.add(new Template.Field(Element.OCTET_DELTA_COUNT, true));
        }
        add(f, Element.FLOW_START_MILLISECONDS);
        add(f, Element.FLOW_END_MILLISECONDS);
        add(f, Element.FLOW_END_REASON);
        if (biflow) {
            add(f, Element.BIFLOW_DIRECTION);
        }
        if ((shape & VLAN) != 0) {
            add(f, Element.VLAN_ID);
        }
        if ((shape & TUNNEL_V4) != 0) {
            add(f, Element.POST_NAT_SOURCE_IPV4_ADDRESS);
            add(f, Element.POST_NAT_DESTINATION_IPV4_ADDRESS);
            add(f, Element.TUNNEL_TECHNOLOGY);
        } else if ((shape & TUNNEL_V6) != 0) {
            add(f, Element.POST_NAT_SOURCE_IPV6_ADDRESS);
            add(f, Element.POST_NAT_DESTINATION_IPV6_ADDRESS);
            add(f, Element.TUNNEL_TECHNOLOGY);
        }
        return f;
    }

    private static void add(List<Template.Field> f, Element e) {
        f.add(new Template.Field(e, false));
    }
}
