package io.portwatch.app.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.ValidationMessage;

import java.util.Set;

/** The record schema's check, for the end-to-end tests outside this package. */
public final class RecordSchemaAccess {

    private RecordSchemaAccess() {
    }

    /** The violations of one record; empty when it is valid. */
    public static Set<ValidationMessage> validate(JsonNode record) {
        return RecordSchema.validate(record);
    }
}
