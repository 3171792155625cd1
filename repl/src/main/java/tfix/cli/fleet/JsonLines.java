package tfix.cli.fleet;

import java.io.PrintStream;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * tfix/1 results as JSON Lines, one object a line (docs/tfix-result.schema.json). Jackson writes them:
 * names and paths come from the target and may hold any character, and its escaping is proven.
 */
final class JsonLines {
    static final String SCHEMA = "tfix/1";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonLines() {
    }

    static String line(Map<String, Object> object) {
        try {
            return MAPPER.writeValueAsString(object);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a result as JSON: " + e.getMessage(), e);
        }
    }

    static void print(PrintStream out, Map<String, Object> object) {
        out.println(line(object));
        out.flush();
    }
}
