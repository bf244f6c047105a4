package io.portwatch.app.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Set;

/** The project's record schema ({@code src/schema/portwatch-records.schema.json}) loaded for tests. */
public final class RecordSchema {

    static final String FILE = "src/schema/portwatch-records.schema.json";

    private static JsonNode node;
    private static JsonSchema schema;

    private RecordSchema() {
    }

    /** The schema file: under {@code portwatch.root} (surefire sets it), else found upward from here. */
    static Path path() {
        String root = System.getProperty("portwatch.root");
        if (root != null && Files.isRegularFile(Paths.get(root, FILE))) {
            return Paths.get(root, FILE);
        }
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(FILE))) {
                return dir.resolve(FILE);
            }
        }
        throw new IllegalStateException(FILE + " not found (portwatch.root=" + root + ")");
    }

    static synchronized JsonNode node() {
        if (node == null) {
            try {
                node = new ObjectMapper().readTree(path().toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return node;
    }

    static synchronized JsonSchema schema() {
        if (schema == null) {
            SchemaValidatorsConfig config = SchemaValidatorsConfig.builder()
                    .formatAssertionsEnabled(true)
                    .build();
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(node(), config);
        }
        return schema;
    }

    /** The violations of one record; empty when it is valid. */
    public static Set<ValidationMessage> validate(JsonNode record) {
        return schema().validate(record);
    }
}
